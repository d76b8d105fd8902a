// The connection file a Jupyter client writes for each kernel it starts: the five sockets' ports,
// the address they bind to and the key every message is signed with.
import { readFileSync } from 'node:fs';

export interface ConnectionFile {
  transport: 'tcp' | 'ipc';
  ip: string;
  shell_port: number;
  control_port: number;
  iopub_port: number;
  stdin_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
}

export type SocketName = 'shell' | 'control' | 'iopub' | 'stdin' | 'hb';

export function readConnectionFile(path: string): ConnectionFile {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<ConnectionFile>;
  for (const name of ['shell_port', 'control_port', 'iopub_port', 'stdin_port', 'hb_port'] as const)
    if (typeof parsed[name] !== 'number') throw new Error(`connection file ${path}: '${name}' is not a port number`);
  return {
    transport: parsed.transport ?? 'tcp',
    ip: parsed.ip ?? '127.0.0.1',
    key: parsed.key ?? '',
    signature_scheme: parsed.signature_scheme ?? 'hmac-sha256',
    ...(parsed as Omit<ConnectionFile, 'transport' | 'ip' | 'key' | 'signature_scheme'>),
  };
}

/** The ZeroMQ endpoint of one socket: `tcp://IP:PORT`, or for ipc jupyter_client's `ipc://IP-PORT`. */
export function socketAddress(connection: ConnectionFile, socket: SocketName): string {
  const port = connection[`${socket}_port`];
  return connection.transport === 'ipc' ? `ipc://${connection.ip}-${port}` : `tcp://${connection.ip}:${port}`;
}
