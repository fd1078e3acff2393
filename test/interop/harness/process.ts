// Child processes for interop tests. Each process runs in its own process group so that
// killing it also kills anything it forked; it is killed when the owning test ends (t.after)
// and, as a last resort, when this Node process exits. Output is kept in a bounded ring of
// recent lines so failures can show what the client said without unbounded memory.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CleanupScope } from './tools.js';

/** Every live child's pid, so an exit of the test runner still kills them. */
const live = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = (): void => {
    for (const pid of live) killGroup(pid, 'SIGKILL');
  };
  process.on('exit', killAll);
  // Children live in their own process groups, so a Ctrl-C or the runner's SIGTERM does not
  // reach them: kill them, then let the signal do what it would have done.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      killAll();
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

/**
 * util-linux setpriv sets a parent-death signal and then execs the command (same pid), so a
 * child dies even if this Node process is killed with SIGKILL and no hook can run.
 */
const SETPRIV = '/usr/bin/setpriv';
const haveSetpriv = process.platform === 'linux' && existsSync(SETPRIV);
const WATCHDOG = fileURLToPath(new URL('../py/watchdog.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
const havePython = existsSync(PYTHON);

function wrapped(command: string, args: readonly string[], how: SpawnOptions['dieWithParent']): [string, string[]] {
  if (how === 'watchdog' && havePython) return [PYTHON, [WATCHDOG, command, ...args]];
  if (how !== false && haveSetpriv) return [SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args]];
  return [command, [...args]];
}

/** Signals the whole process group of `pid`; falls back to the pid alone. Never throws. */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export interface SpawnOptions {
  /** Short name used in error messages. */
  name?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Lines kept from stdout+stderr together (default 400). */
  maxLines?: number;
  /** Longest line kept, in characters; longer lines are cut (default 4000). */
  maxLineLength?: number;
  /** Grace period between SIGTERM and SIGKILL on stop (default 2000 ms). */
  killGraceMs?: number;
  /**
   * How the child is made to die if this Node process is killed without running any hook:
   * 'setpriv' (default) sets a parent-death signal and execs the command (same pid);
   * 'watchdog' runs it under py/watchdog.py, for programs that change user id (which clears
   * the parent-death signal; `pid` is then the watchdog's, and it passes signals on); false: none.
   */
  dieWithParent?: 'setpriv' | 'watchdog' | false;
}

export interface Line {
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

type LineListener = (line: Line) => void;

/** An error about a managed process; its message ends with the process's recent output. */
export class ProcessFailure extends Error {}

/** Wraps `e` as a failure of `p` unless it already is one (so the output is shown once). */
export function asProcessFailure(p: ManagedProcess, e: unknown): Error {
  if (e instanceof ProcessFailure) return e;
  return p.failure(e instanceof Error ? e.message : String(e));
}

/** A spawned child process with captured output. */
export class ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  private exitStatus: ExitStatus | undefined;
  private readonly ring: Line[] = [];
  private readonly maxLines: number;
  private readonly maxLineLength: number;
  private readonly killGraceMs: number;
  private readonly listeners = new Set<LineListener>();
  private spawnError: Error | undefined;

  constructor(command: string, args: readonly string[], opts: SpawnOptions = {}) {
    this.name = opts.name ?? command;
    this.maxLines = opts.maxLines ?? 400;
    this.maxLineLength = opts.maxLineLength ?? 4000;
    this.killGraceMs = opts.killGraceMs ?? 2000;
    installExitHook();
    const [cmd, argv] = wrapped(command, args, opts.dieWithParent ?? 'setpriv');
    this.child = spawn(cmd, argv, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group: kill(-pid) reaches its children too
    });
    this.pid = this.child.pid ?? -1;
    if (this.pid > 0) live.add(this.pid);
    this.exited = new Promise<ExitStatus>((resolve) => {
      this.child.once('error', (err) => {
        this.spawnError = err;
        if (this.child.pid === undefined) {
          this.exitStatus = { code: null, signal: null };
          resolve(this.exitStatus);
        }
      });
      this.child.once('close', (code, signal) => {
        live.delete(this.pid);
        this.exitStatus = { code, signal };
        resolve(this.exitStatus);
      });
    });
    this.capture('stdout');
    this.capture('stderr');
  }

  private capture(stream: 'stdout' | 'stderr'): void {
    const src = this.child[stream];
    if (src === null) return;
    src.setEncoding('utf8');
    let partial = '';
    src.on('data', (chunk: string) => {
      partial += chunk;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        this.push({ stream, text: partial.slice(0, nl).replace(/\r$/, '') });
        partial = partial.slice(nl + 1);
      }
      // A runaway line without newline must not grow without bound.
      if (partial.length > this.maxLineLength) {
        this.push({ stream, text: partial });
        partial = '';
      }
    });
    src.on('end', () => {
      if (partial !== '') this.push({ stream, text: partial });
      partial = '';
    });
  }

  private push(line: Line): void {
    if (line.text.length > this.maxLineLength) line = { ...line, text: line.text.slice(0, this.maxLineLength) + '…' };
    this.ring.push(line);
    if (this.ring.length > this.maxLines) this.ring.splice(0, this.ring.length - this.maxLines);
    for (const l of this.listeners) l(line);
  }

  /** The recent lines (bounded), both streams interleaved in arrival order. */
  lines(): readonly Line[] {
    return this.ring;
  }

  /** The last `n` lines as text, for error messages; repeats of a line are folded into one. */
  tail(n = 40): string {
    const out: string[] = [];
    let prev: Line | undefined;
    let repeats = 0;
    const flush = (): void => {
      if (prev === undefined) return;
      out.push(`${prev.stream === 'stderr' ? '!' : ' '} ${prev.text}${repeats > 1 ? `  (×${repeats})` : ''}`);
    };
    for (const l of this.ring) {
      if (prev !== undefined && l.text === prev.text && l.stream === prev.stream) {
        repeats++;
        continue;
      }
      flush();
      prev = l;
      repeats = 1;
    }
    flush();
    return out.slice(-n).join('\n');
  }

  get exitStatusNow(): ExitStatus | undefined {
    return this.exitStatus;
  }

  /**
   * Resolves with the first line (kept or future) matching `re`. Rejects on timeout or if the
   * process exits first; either error carries the output tail.
   */
  waitForLine(re: RegExp, timeoutMs: number, stream?: 'stdout' | 'stderr'): Promise<RegExpMatchArray> {
    return this.waitForLineWhere((l) => (stream === undefined || l.stream === stream ? l.text.match(re) : null), timeoutMs, String(re));
  }

  /** Resolves with the first JSON object printed on stdout for which `pred` holds. */
  waitForJson<T = Record<string, unknown>>(pred: (v: Record<string, unknown>) => boolean, timeoutMs: number, what = 'JSON line'): Promise<T> {
    return this.waitForLineWhere((l) => {
      if (l.stream !== 'stdout' || !l.text.startsWith('{')) return null;
      try {
        const v: unknown = JSON.parse(l.text);
        if (typeof v === 'object' && v !== null && pred(v as Record<string, unknown>)) return v as T;
      } catch {
        // not JSON after all
      }
      return null;
    }, timeoutMs, what);
  }

  private waitForLineWhere<R>(match: (l: Line) => R | null, timeoutMs: number, what: string): Promise<NonNullable<R>> {
    for (const l of this.ring) {
      const m = match(l);
      if (m !== null && m !== undefined) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      const listener: LineListener = (l) => {
        const m = match(l);
        if (m !== null && m !== undefined) {
          cleanup();
          resolve(m);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(this.failure(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.listeners.add(listener);
      void this.exited.then((st) => {
        if (!this.listeners.has(listener)) return;
        cleanup();
        reject(this.failure(`exited (${describe(st)}) before printing ${what}`));
      });
    });
  }

  /** Waits for the process to exit by itself, at most `timeoutMs`; kills it if it does not. */
  async waitForExit(timeoutMs: number): Promise<ExitStatus> {
    const timer = sleep(timeoutMs, 'timeout' as const, { ref: false });
    const r = await Promise.race([this.exited, timer]);
    if (r === 'timeout') {
      await this.stop();
      throw this.failure(`did not exit within ${timeoutMs} ms (killed)`);
    }
    return r;
  }

  /** Waits for exit and throws (with the output tail) unless the exit code is 0. */
  async expectSuccess(timeoutMs: number): Promise<void> {
    const st = await this.waitForExit(timeoutMs);
    if (st.code !== 0) throw this.failure(`failed (${describe(st)})`);
  }

  /** An Error naming this process, with the tail of its output. */
  failure(message: string): ProcessFailure {
    const spawnErr = this.spawnError ? ` [spawn error: ${this.spawnError.message}]` : '';
    return new ProcessFailure(`${this.name} (pid ${this.pid}) ${message}${spawnErr}\n--- last output ---\n${this.tail()}`);
  }

  /** SIGTERM to the process group, SIGKILL after the grace period. Idempotent. */
  async stop(): Promise<ExitStatus> {
    if (this.exitStatus !== undefined || this.pid <= 0) return this.exited;
    killGroup(this.pid, 'SIGTERM');
    const r = await Promise.race([this.exited, sleep(this.killGraceMs, 'grace' as const, { ref: false })]);
    if (r !== 'grace') {
      killGroup(this.pid, 'SIGKILL'); // stragglers in the group
      return r;
    }
    killGroup(this.pid, 'SIGKILL');
    const r2 = await Promise.race([this.exited, sleep(2000, 'stuck' as const, { ref: false })]);
    if (r2 === 'stuck') return { code: null, signal: 'SIGKILL' };
    return r2;
  }
}

function describe(st: ExitStatus): string {
  return st.signal !== null ? `signal ${st.signal}` : `code ${String(st.code)}`;
}

/** Spawns a process that is stopped when `scope` (usually the TestContext) ends. */
export function spawnProcess(
  scope: CleanupScope | undefined,
  command: string,
  args: readonly string[],
  opts: SpawnOptions = {},
): ManagedProcess {
  const p = new ManagedProcess(command, args, opts);
  scope?.after(() => p.stop());
  return p;
}

/** Runs a command to completion (bounded) and returns its stdout; throws with output on failure. */
export async function run(
  command: string,
  args: readonly string[],
  opts: SpawnOptions & { timeoutMs?: number } = {},
): Promise<string> {
  const p = new ManagedProcess(command, args, { maxLines: 100_000, maxLineLength: 16 << 20, ...opts });
  try {
    await p.expectSuccess(opts.timeoutMs ?? 60_000);
  } finally {
    await p.stop();
  }
  return p
    .lines()
    .filter((l) => l.stream === 'stdout')
    .map((l) => l.text)
    .join('\n');
}
