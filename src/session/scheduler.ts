// Time as the engine sees it: a clock and one-shot timers, injected so that the same engine runs on
// real time in the CLI and on virtual time in tests and the swarm simulator.

export interface Scheduler {
  /** Milliseconds; monotonic. */
  now(): number;
  /** Runs `fn` once after `ms`; returns a function that cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

/** Real time: performance.now() and setTimeout, with timers that never keep the process alive. */
export const realScheduler: Scheduler = {
  now: () => performance.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

/** Repeats `fn` every `ms` until the returned function is called. */
export function every(s: Scheduler, ms: number, fn: () => void): () => void {
  let cancel = (): void => {};
  let stopped = false;
  const arm = (): void => {
    cancel = s.setTimer(ms, () => {
      if (stopped) return;
      fn();
      if (!stopped) arm();
    });
  };
  arm();
  return () => {
    stopped = true;
    cancel();
  };
}
