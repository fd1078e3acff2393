// A one-line terminal progress bar shared by the commands: percent, bytes, rate and ETA.
//
// Drawn only when the stream is a TTY (pipes and logs get nothing), redrawn at most every
// `intervalMs`, and always fitted to the terminal width so it never wraps.
import type { Writable } from 'node:stream';

export interface ProgressStream extends Writable {
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressBar {
  /** Reports `done` of `total` bytes; redraws when due. */
  update(done: number, total: number): void;
  /** Draws the final state and ends the line. Idempotent. */
  finish(): void;
  /** Erases the bar (before printing an error, say). Idempotent. */
  clear(): void;
}

export interface ProgressOptions {
  readonly label?: string;
  readonly intervalMs?: number;
  /** Clock in milliseconds (injected by tests). */
  readonly now?: () => number;
}

const NOOP: ProgressBar = { update() {}, finish() {}, clear() {} };

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (x: number): string => String(x).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

/** The bar's text for a given state, at most `width` characters. */
export function renderProgress(label: string, done: number, total: number, elapsedMs: number, width: number): string {
  const frac = total > 0 ? Math.min(1, done / total) : 1;
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = rate > 0 ? (total - done) / rate : Infinity;
  const pct = `${(frac * 100).toFixed(1).padStart(5)}%`;
  // Fixed-width fields keep the bar from changing length as the numbers change.
  const bytes = `${formatBytes(done).padStart(10)}/${formatBytes(total)}`;
  const tail = ` ${pct} ${bytes} ${`${formatBytes(rate)}/s`.padStart(12)} ETA ${done >= total ? '00:00' : formatDuration(eta)}`;
  const head = label ? `${label} ` : '';
  const barWidth = Math.min(40, width - head.length - tail.length - 2);
  if (barWidth < 5) return (head + tail.trimStart()).slice(0, Math.max(0, width));
  const filled = Math.round(frac * barWidth);
  return `${head}[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${tail}`;
}

export function createProgress(stream: ProgressStream, opts: ProgressOptions = {}): ProgressBar {
  if (!stream.isTTY) return NOOP;
  const now = opts.now ?? (() => performance.now());
  const interval = opts.intervalMs ?? 100;
  const label = opts.label ?? '';
  const start = now();
  let last = -Infinity;
  let state = { done: 0, total: 0 };
  let drawn = false;
  let ended = false;
  const draw = (): void => {
    // A pseudo-terminal may report 0 columns: fall back to 80 rather than draw nothing.
    const cols = stream.columns !== undefined && stream.columns >= 20 ? stream.columns : 80;
    const width = cols - 1;
    stream.write(`\r${renderProgress(label, state.done, state.total, now() - start, width)}\x1b[K`);
    drawn = true;
  };
  return {
    update(done, total) {
      if (ended) return;
      state = { done, total };
      const t = now();
      if (t - last >= interval || done >= total) {
        last = t;
        draw();
      }
    },
    finish() {
      if (ended) return;
      ended = true;
      draw();
      stream.write('\n');
    },
    clear() {
      if (ended) return;
      ended = true;
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
