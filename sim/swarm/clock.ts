// Virtual time for the swarm simulator: a discrete-event queue that is also the engine's Scheduler
// (src/session/scheduler.ts), so Torrent timers run on the same clock as the simulated network.
//
// Time is cut into quanta (default 1 ms). Tasks are kept per quantum, in a binary min-heap of
// quantum numbers with a FIFO array per quantum: insertion is O(1) for a quantum already pending,
// and tasks of one quantum run in the order they were scheduled (a sequence order, so equal times
// are deterministic). The clock reads the quantum's end while its tasks run, so now() never goes
// back. Exact sub-quantum times still matter to the network model: a link computes transmission
// ends in exact milliseconds and only its wake-up is rounded up to a quantum, so no capacity is
// lost to the rounding.
//
// The engine is partly asynchronous (hash checks, storage and upload reads are promises). After
// each quantum, run() yields to a macrotask (setImmediate) so that every promise continuation the
// quantum started settles before virtual time moves on; then the run stays deterministic: the
// same tasks in the same order leave the same microtasks behind. A yield costs about 1.5 us, so
// even 10^6 busy quanta cost little next to the work done in them.
import type { Scheduler } from '../../src/session/scheduler.js';

/** Something that runs at a virtual time. Network objects implement it to avoid a closure per event. */
export interface SimTask {
  run(): void;
}

class Timer implements SimTask {
  cancelled = false;
  constructor(private readonly fn: () => void) {}
  run(): void {
    if (!this.cancelled) this.fn();
  }
}

export interface RunLimits {
  /** Stop when virtual time passes this (ms). */
  readonly until?: number;
  /** Checked after every quantum; true stops the run. */
  readonly done?: () => boolean;
  /** Called after every quantum with the clock's time (ms), for sampling. */
  readonly afterQuantum?: (now: number) => void;
}

export class VirtualClock implements Scheduler {
  /** Quantum length in ms. */
  readonly quantum: number;
  private current = 0;
  /** Pending quantum numbers (min-heap). */
  private readonly heap: number[] = [];
  private readonly buckets = new Map<number, SimTask[]>();
  private readonly spare: SimTask[][] = [];
  /** The quantum whose tasks are running (tasks scheduled into it run in this same pass). */
  private running = -1;
  private runningTasks: SimTask[] | undefined;
  /** Tasks run so far. */
  tasksRun = 0;
  /** Quanta processed (one macrotask yield each). */
  quantaRun = 0;

  constructor(quantumMs = 1) {
    if (!(quantumMs > 0)) throw new RangeError(`quantum must be positive, got ${quantumMs}`);
    this.quantum = quantumMs;
  }

  now(): number {
    return this.current;
  }

  /** The engine's timer interface. */
  setTimer(ms: number, fn: () => void): () => void {
    const t = new Timer(fn);
    this.at(this.current + Math.max(0, ms), t);
    return () => {
      t.cancelled = true;
    };
  }

  /** The quantum `time` falls in (rounded up, with a little slack for floating-point sums). */
  private quantumOf(time: number): number {
    return Math.ceil(time / this.quantum - 1e-7);
  }

  /**
   * The latest exact time whose task would run in the current quantum: a time t is due when
   * t <= horizon (the same rounding as at()). Read it once per task, not per comparison.
   */
  horizon = 1e-7;

  /** True when a task for `time` would run in the current quantum (its time has come). */
  due(time: number): boolean {
    return time <= this.horizon;
  }

  /** Runs `task` at virtual time `time` (ms), rounded up to its quantum; never earlier than now. */
  at(time: number, task: SimTask): void {
    const cur = Math.round(this.current / this.quantum);
    // Due times go to the current quantum, others strictly later: a task that checks due() on
    // the same time can never be rescheduled into the quantum it is running in for ever.
    const q = time <= this.horizon ? cur : Math.max(cur + 1, this.quantumOf(time));
    if (q === this.running && this.runningTasks) {
      this.runningTasks.push(task);
      return;
    }
    let b = this.buckets.get(q);
    if (!b) {
      b = this.spare.pop() ?? [];
      this.buckets.set(q, b);
      this.push(q);
    }
    b.push(task);
  }

  /** Runs `task` in the current quantum, after the tasks already scheduled there. */
  soon(task: SimTask): void {
    this.at(this.current, task);
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Time of the next pending quantum, or Infinity. */
  get nextTime(): number {
    const q = this.heap[0];
    return q === undefined ? Infinity : q * this.quantum;
  }

  /**
   * Processes quanta in order until the queue is empty, `until` is passed or `done()` says so.
   * Yields to the macrotask queue after each quantum (see the header).
   */
  async run(limits: RunLimits = {}): Promise<void> {
    const until = limits.until ?? Infinity;
    while (this.heap.length > 0) {
      const q = this.heap[0] as number;
      if (q * this.quantum > until) break;
      this.pop();
      const tasks = this.buckets.get(q) as SimTask[];
      this.buckets.delete(q);
      this.current = q * this.quantum;
      this.horizon = (q + 1e-7) * this.quantum;
      this.running = q;
      this.runningTasks = tasks;
      for (let i = 0; i < tasks.length; i++) (tasks[i] as SimTask).run();
      this.tasksRun += tasks.length;
      this.running = -1;
      this.runningTasks = undefined;
      tasks.length = 0;
      if (this.spare.length < 1024) this.spare.push(tasks);
      this.quantaRun++;
      await new Promise<void>((resolve) => setImmediate(resolve));
      limits.afterQuantum?.(this.current);
      if (limits.done?.()) return;
    }
    if (until !== Infinity && this.current < until) {
      this.current = until;
      this.horizon = (Math.round(until / this.quantum) + 1e-7) * this.quantum;
    }
  }

  // ---- binary heap of quantum numbers -------------------------------------------------------

  private push(q: number): void {
    const h = this.heap;
    let i = h.length;
    h.push(q);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pv = h[parent] as number;
      if (pv <= q) break;
      h[i] = pv;
      i = parent;
    }
    h[i] = q;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop() as number;
    if (h.length === 0) return;
    let i = 0;
    const n = h.length;
    while (true) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && (h[r] as number) < (h[l] as number)) c = r;
      if ((h[c] as number) >= last) break;
      h[i] = h[c] as number;
      i = c;
    }
    h[i] = last;
  }
}
