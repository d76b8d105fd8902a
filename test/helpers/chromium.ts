/**
 * Debian's Chromium driven by playwright-core, as the renderer tests, the VS Code end-to-end tests and
 * the benchmark launch it: no sandbox (root in CI), no GPU, and nothing fetched from the network.
 */
import { chromium, type Browser } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
