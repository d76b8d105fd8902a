#!/usr/bin/env bash
# Installs a real VS Code (code-server 4.100.3, VS Code 1.100.3, Node 20) into DIR for the end-to-end
# tests (test/e2e), which drive it from Debian's Chromium. Needs only the npm registry and Debian's
# packages. Run by scripts/runTests.mjs before the end-to-end tests.
#
#   usage: installTestVscode.sh DIR        (then: node DIR/node_modules/code-server/out/node/entry.js --help)
#
# Why the steps below and not a plain `npm install -g code-server`:
# - code-server's postinstall refuses to run as root unless npm_config_unsafe_perm=true, a setting npm 7+
#   no longer knows (every npm call would warn about it): the postinstall is skipped (--ignore-scripts)
#   and its steps are done below;
# - @vscode/ripgrep downloads its binary from GitHub at install time, which is unreachable here:
#   the Debian `ripgrep` binary is put in its place and its install script is skipped;
# - node-pty's install script calls `npx node-gyp`, which needs npm_config_yes=true;
# - native modules (kerberos, node-pty, @parcel/watcher, spdlog, native-watchdog, argon2) build from source: they need
#   build-essential, python3, pkg-config, libkrb5-dev, libx11-dev, libxkbfile-dev, libsecret-1-dev.
# Idempotent: a DIR that already holds a working install is left as it is.
set -euo pipefail
DIR=$(realpath -m "${1:?usage: installTestVscode.sh DIR}")
VERSION=4.100.3
ENTRY="$DIR/node_modules/code-server/out/node/entry.js"

if [ -f "$ENTRY" ] && node "$ENTRY" --version >/dev/null 2>&1; then
  echo "code-server already installed in $DIR: $(node "$ENTRY" --version | head -1)"
  exit 0
fi

need_apt=()
for p in build-essential python3 pkg-config libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev ripgrep; do
  dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi

mkdir -p "$DIR"
cd "$DIR"
[ -f package.json ] || echo '{"name":"test-vscode","private":true}' > package.json
export npm_config_yes=true npm_config_audit=false npm_config_fund=false

npm install --ignore-scripts "code-server@$VERSION"
npm rebuild argon2

cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
npm rebuild   # every native module; ripgrep's own script sees bin/ and stops
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sfn code-linux.sh code-server)
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
(cd extensions && npm install --omit=dev)

node "$ENTRY" --version
