// A benchmark peer run as a child process that prints JSON lines (shoal --json-progress,
// bench/py/lt_bench.py): waits on its lines with a deadline, optionally runs it under GNU time
// for exact CPU and peak RSS at exit, and always kills it (by its process group) when done.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { childPids } from './proc.js';

export interface JsonLine {
  /** performance.now() when the line arrived */
  readonly at: number;
  readonly msg: Record<string, unknown>;
}

export interface TimeReport {
  readonly wall: number;
  readonly cpu: number;
  readonly user: number;
  readonly sys: number;
  /** bytes */
  readonly maxRss: number;
  readonly minorFaults: number;
  readonly voluntarySwitches: number;
  readonly involuntarySwitches: number;
}

export interface PeerOptions {
  readonly name: string;
  readonly cmd: readonly string[];
  readonly cwd?: string;
  /** Run under /usr/bin/time writing to this file. */
  readonly timeFile?: string;
  readonly onLine?: (line: JsonLine) => void;
}

const live = new Set<PeerProcess>();

/** Kills every peer still running; installed once for exit and signals. */
function killAll(): void {
  for (const p of live) p.kill('SIGKILL');
}
process.once('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    killAll();
    process.exit(130);
  });
}

export class PeerProcess {
  readonly lines: JsonLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  readonly startedAt = performance.now();
  private readonly child: ChildProcess;
  private stderrTail = '';
  private waiters: (() => void)[] = [];
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null; at: number } | undefined;

  constructor(private readonly opts: PeerOptions) {
    const [file, ...args] = opts.timeFile
      ? ['/usr/bin/time', '-f', '%e %U %S %M %R %w %c', '-o', opts.timeFile, ...opts.cmd]
      : opts.cmd;
    if (opts.timeFile) rmSync(opts.timeFile, { force: true });
    // Own process group: one kill reaches GNU time and the program under it.
    this.child = spawn(file as string, args, { cwd: opts.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        live.delete(this);
        this.exitInfo = { code, signal, at: performance.now() };
        this.wake();
        resolve(this.exitInfo);
      });
    });
    this.child.once('error', (e) => {
      this.stderrTail += `spawn error: ${e.message}\n`;
    });
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
      let msg: unknown;
      try {
        msg = JSON.parse(text);
      } catch {
        return;
      }
      if (typeof msg !== 'object' || msg === null) return;
      const line = { at: performance.now(), msg: msg as Record<string, unknown> };
      this.lines.push(line);
      opts.onLine?.(line);
      this.wake();
    });
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-2000);
    });
  }

  /** The spawned pid (GNU time's, when timed). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The pid of the program itself: under GNU time, its child. */
  get programPid(): number | undefined {
    const pid = this.child.pid;
    if (pid === undefined || !this.opts.timeFile) return pid;
    return childPids(pid)[0];
  }

  get exit(): { code: number | null; signal: NodeJS.Signals | null; at: number } | undefined {
    return this.exitInfo;
  }

  /** The first line (already seen or to come) matching `pred`; rejects on exit or after `timeoutMs`. */
  async waitFor(pred: (msg: Record<string, unknown>) => boolean, timeoutMs: number, what: string): Promise<JsonLine> {
    const deadline = performance.now() + timeoutMs;
    for (let seen = 0; ; ) {
      for (; seen < this.lines.length; seen++) {
        const l = this.lines[seen] as JsonLine;
        if (pred(l.msg)) return l;
      }
      if (this.exitInfo) throw new Error(`${this.opts.name} exited (${this.exitInfo.code ?? this.exitInfo.signal}) before ${what}${this.details()}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${this.opts.name}: no ${what} within ${Math.round(timeoutMs / 1000)} s${this.details()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for the process to exit by itself; rejects (and kills it) after `timeoutMs`. */
  async waitExit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill('SIGKILL');
        reject(new Error(`${this.opts.name} did not finish within ${Math.round(timeoutMs / 1000)} s${this.details()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Idempotent. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exitInfo) return;
    this.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    if (!this.exitInfo) {
      this.kill('SIGKILL');
      await this.exited;
    }
  }

  kill(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || this.exitInfo) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  }

  /** GNU time's figures once the process has exited. */
  timeReport(): TimeReport | undefined {
    const f = this.opts.timeFile;
    if (!f || !existsSync(f)) return undefined;
    const last = readFileSync(f, 'utf8').trim().split('\n').at(-1) ?? '';
    const f7 = last.split(' ').map(Number);
    if (f7.length !== 7 || f7.some((x) => !Number.isFinite(x))) return undefined;
    const [wall, user, sys, rssKiB, minor, vol, invol] = f7 as [number, number, number, number, number, number, number];
    return { wall, cpu: user + sys, user, sys, maxRss: rssKiB * 1024, minorFaults: minor, voluntarySwitches: vol, involuntarySwitches: invol };
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private details(): string {
    const tail = this.stderrTail.trim().split('\n').slice(-5).join('\n  ');
    const lastLine = this.lines.at(-1);
    return `${lastLine ? `\n  last line: ${JSON.stringify(lastLine.msg).slice(0, 300)}` : ''}${tail ? `\n  stderr: ${tail}` : ''}`;
  }
}
