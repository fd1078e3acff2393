// Peer discovery for the simulator: a tracker (BEP 3) that knows who is in the swarm and hands
// each announcing peer a random sample of the others. O(1) joins and leaves (swap-remove),
// O(sample) announces.
import { randomInt, type Random } from '../../src/swarm/random.js';

export class SimTracker<T extends { readonly index: number }> {
  private readonly members: T[] = [];
  private readonly slot = new Map<number, number>();

  constructor(private readonly random: Random) {}

  get size(): number {
    return this.members.length;
  }

  join(p: T): void {
    if (this.slot.has(p.index)) return;
    this.slot.set(p.index, this.members.length);
    this.members.push(p);
  }

  leave(p: T): void {
    const i = this.slot.get(p.index);
    if (i === undefined) return;
    const last = this.members.pop() as T;
    if (last !== p) {
      this.members[i] = last;
      this.slot.set(last.index, i);
    }
    this.slot.delete(p.index);
  }

  /** Up to `n` distinct members other than `self`, in random order. */
  announce(self: T, n: number): T[] {
    const m = this.members;
    const others = m.length - (this.slot.has(self.index) ? 1 : 0);
    const want = Math.min(n, others);
    const out: T[] = [];
    if (want <= 0) return out;
    if (want * 3 >= m.length) {
      // A large share: shuffle a copy (partial Fisher-Yates).
      const copy = m.filter((p) => p !== self);
      for (let i = 0; i < want; i++) {
        const j = i + randomInt(this.random, copy.length - i);
        const tmp = copy[i] as T;
        copy[i] = copy[j] as T;
        copy[j] = tmp;
        out.push(copy[i] as T);
      }
      return out;
    }
    const seen = new Set<number>([self.index]);
    while (out.length < want) {
      const p = m[randomInt(this.random, m.length)] as T;
      if (seen.has(p.index)) continue;
      seen.add(p.index);
      out.push(p);
    }
    return out;
  }
}
