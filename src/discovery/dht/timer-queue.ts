// A binary min-heap of deadlines for the DHT state machine: the core never sets real timers, it
// keeps its deadlines here and reports the earliest one; the driver (UDP adapter or simulator)
// calls tick() when that time comes. Cancelled entries are skipped lazily.

interface Entry<T> {
  at: number;
  seq: number;
  item: T;
}

export class TimerQueue<T> {
  private heap: Entry<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, item: T): void {
    const e = { at, seq: this.seq++, item };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(e, h[p] as Entry<T>)) break;
      h[i] = h[p] as Entry<T>;
      i = p;
    }
    h[i] = e;
  }

  /** Earliest deadline, or undefined when empty. */
  peekTime(): number | undefined {
    return this.heap[0]?.at;
  }

  /** Removes and returns the earliest item if it is due at `now`. */
  popDue(now: number): T | undefined {
    const top = this.heap[0];
    if (top === undefined || top.at > now) return undefined;
    const last = this.heap.pop() as Entry<T>;
    if (this.heap.length > 0) {
      const h = this.heap;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let mv = last;
        if (l < h.length && less(h[l] as Entry<T>, mv)) {
          m = l;
          mv = h[l] as Entry<T>;
        }
        if (r < h.length && less(h[r] as Entry<T>, mv)) m = r;
        if (m === i) break;
        h[i] = h[m] as Entry<T>;
        i = m;
      }
      h[i] = last;
    }
    return top.item;
  }
}

function less<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
