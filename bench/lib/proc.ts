// Per-process CPU time and memory from Linux /proc, for benchmarks that must tell a seeder's
// cost from a leecher's (getrusage of children lumps them together).
//
// /proc/PID/stat's utime+stime of a thread-group leader count every thread, live or exited, so
// worker threads and libtorrent's disk/network threads are included. /proc/PID/status gives the
// kernel's own peak (VmHWM) and the split of resident memory into anonymous (heap, buffers) and
// file-backed pages (libtorrent 2 maps the files it serves, so its RSS includes page cache).
import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second for /proc times; USER_HZ is 100 on every Linux ABI we run on. */
const CLK_TCK = 100;

export interface ProcSample {
  /** user + system CPU seconds of all threads so far */
  readonly cpu: number;
  /** bytes */
  readonly rss: number;
  readonly hwm: number;
  readonly rssAnon: number;
  readonly rssFile: number;
}

/** One reading of /proc/PID/{stat,status}, or undefined if the process is gone. */
export function sampleProc(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces or parentheses: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string): number => {
      const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
      return m ? Number(m[1]) * 1024 : 0;
    };
    return {
      cpu: (utime + stime) / CLK_TCK,
      rss: kib('VmRSS'),
      hwm: kib('VmHWM'),
      rssAnon: kib('RssAnon'),
      rssFile: kib('RssFile'),
    };
  } catch {
    return undefined;
  }
}

/** Child pids of `pid` (its main thread's children), e.g. the program GNU time runs. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Peaks and the last reading of one process, polled on a timer until stopped. */
export class ProcMonitor {
  last: ProcSample | undefined;
  peakRss = 0;
  peakAnon = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: () => number | undefined,
    intervalMs = 100,
  ) {
    this.poll();
    this.timer = setInterval(() => this.poll(), intervalMs);
  }

  poll(): ProcSample | undefined {
    const pid = this.pid();
    const s = pid === undefined ? undefined : sampleProc(pid);
    if (s) {
      this.last = s;
      this.peakRss = Math.max(this.peakRss, s.rss, s.hwm);
      this.peakAnon = Math.max(this.peakAnon, s.rssAnon);
    }
    return s;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
