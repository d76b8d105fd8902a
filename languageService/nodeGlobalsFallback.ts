// The Node globals a cell uses most, declared for notebooks whose folder has no @types/node (with
// it, its full declarations are used instead). Kept to what the kernel's Node really provides.
export const nodeGlobalsFallback = `
interface Console {
  log(...data: any[]): void;
  info(...data: any[]): void;
  warn(...data: any[]): void;
  error(...data: any[]): void;
  debug(...data: any[]): void;
  trace(...data: any[]): void;
  dir(item?: any, options?: any): void;
  table(tabularData: any, properties?: string[]): void;
  time(label?: string): void;
  timeEnd(label?: string): void;
  timeLog(label?: string, ...data: any[]): void;
  count(label?: string): void;
  assert(condition?: boolean, ...data: any[]): void;
  group(...data: any[]): void;
  groupEnd(): void;
}
declare var console: Console;
declare function setTimeout(callback: (...args: any[]) => void, ms?: number, ...args: any[]): any;
declare function clearTimeout(handle: any): void;
declare function setInterval(callback: (...args: any[]) => void, ms?: number, ...args: any[]): any;
declare function clearInterval(handle: any): void;
declare function setImmediate(callback: (...args: any[]) => void, ...args: any[]): any;
declare function queueMicrotask(callback: () => void): void;
declare function structuredClone<T>(value: T): T;
declare var require: (id: string) => any;
declare var process: {
  env: Record<string, string | undefined>;
  argv: string[];
  platform: string;
  version: string;
  cwd(): string;
  memoryUsage(): { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  hrtime: { bigint(): bigint };
};
declare var performance: { now(): number };
`;
