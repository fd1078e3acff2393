// Structured logs: one JSON object per line (time, level, msg, fields), to stderr by default,
// filtered by level so per-request debug lines cost nothing when off.
import type { Writable } from 'node:stream';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  enabled(level: LogLevel): boolean;
  log(level: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>): void;
}

export class JsonLogger implements Logger {
  private readonly min: number;
  constructor(
    private readonly out: Pick<Writable, 'write'> = process.stderr,
    level: LogLevel = 'info',
    private readonly now: () => number = Date.now,
  ) {
    this.min = RANK[level];
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.min;
  }

  log(level: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>): void {
    if (RANK[level] < this.min) return;
    const line = { time: new Date(this.now()).toISOString(), level, msg, ...fields };
    this.out.write(JSON.stringify(line, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) + '\n');
  }
}

export const silentLogger: Logger = { enabled: () => false, log: () => undefined };

export function isLogLevel(s: string): s is LogLevel {
  return Object.hasOwn(RANK, s);
}
