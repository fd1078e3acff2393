// Compact, dense storage of one swarm's peers of one address family: a peer is its 6-byte
// (IPv4) or 18-byte (IPv6) compact endpoint in a shared byte array plus a u32 expiry and a seed
// flag, so a stored peer costs tens of bytes rather than an object graph. Slots stay dense
// (removal moves the last slot into the hole), which makes picking a random subset O(numwant).

export class PeerTable {
  count = 0;
  addrs: Uint8Array;
  /** Expiry, whole seconds since the epoch. */
  expires: Uint32Array;
  seed: Uint8Array;
  /** Peer id of each slot, as a latin1 key (the same string object the swarm index uses). */
  ids: string[] = [];

  constructor(readonly stride: 6 | 18, capacity = 2) {
    this.addrs = new Uint8Array(capacity * stride);
    this.expires = new Uint32Array(capacity);
    this.seed = new Uint8Array(capacity);
  }

  private grow(): void {
    const cap = this.expires.length * 2;
    const addrs = new Uint8Array(cap * this.stride);
    addrs.set(this.addrs);
    const expires = new Uint32Array(cap);
    expires.set(this.expires);
    const seed = new Uint8Array(cap);
    seed.set(this.seed);
    this.addrs = addrs;
    this.expires = expires;
    this.seed = seed;
  }

  /** Shrinks storage after mass expiry so memory follows the live peer count. */
  maybeShrink(): void {
    const cap = this.expires.length;
    if (cap <= 8 || this.count * 4 > cap) return;
    const next = Math.max(8, cap >> 1);
    this.addrs = this.addrs.slice(0, next * this.stride);
    this.expires = this.expires.slice(0, next);
    this.seed = this.seed.slice(0, next);
  }

  add(id: string, addr: Uint8Array, expires: number, seed: boolean): number {
    if (this.count === this.expires.length) this.grow();
    const slot = this.count++;
    this.set(slot, addr, expires, seed);
    this.ids[slot] = id;
    return slot;
  }

  set(slot: number, addr: Uint8Array, expires: number, seed: boolean): void {
    this.addrs.set(addr, slot * this.stride);
    this.expires[slot] = expires;
    this.seed[slot] = seed ? 1 : 0;
  }

  /**
   * Removes a slot by moving the last one into it. Returns the id of the moved peer (whose slot
   * is now `slot`), or undefined if the removed slot was the last.
   */
  removeAt(slot: number): string | undefined {
    const last = --this.count;
    if (slot !== last) {
      const s = this.stride;
      this.addrs.copyWithin(slot * s, last * s, last * s + s);
      this.expires[slot] = this.expires[last] as number;
      this.seed[slot] = this.seed[last] as number;
      const moved = this.ids[last] as string;
      this.ids[slot] = moved;
      this.ids.length = last;
      return moved;
    }
    this.ids.length = last;
    return undefined;
  }

  /**
   * Copies up to `max` live peers other than `self` into `out` at `off` (and their ids into `idsOut`),
   * visiting slots in a pseudo-random order: a random start and a random step coprime to the count,
   * which walks every slot once. Seeders skip other seeders. Returns the number written.
   */
  pick(
    max: number,
    self: number,
    skipSeeders: boolean,
    nowSec: number,
    random: () => number,
    out: Uint8Array,
    off: number,
    idsOut: Uint8Array | undefined,
    idsOff: number,
  ): number {
    const n = this.count;
    if (n === 0 || max <= 0) return 0;
    let idx = Math.floor(random() * n);
    let step = 1;
    if (n > 2) {
      for (let tries = 0; tries < 8; tries++) {
        const cand = 1 + Math.floor(random() * (n - 1));
        if (gcd(cand, n) === 1) {
          step = cand;
          break;
        }
      }
    }
    const s = this.stride;
    let written = 0;
    for (let i = 0; i < n && written < max; i++) {
      if (idx !== self && (this.expires[idx] as number) >= nowSec && !(skipSeeders && this.seed[idx] === 1)) {
        // A byte loop: a subarray per peer would allocate on the hot path.
        const from = idx * s;
        const to = off + written * s;
        const addrs = this.addrs;
        for (let j = 0; j < s; j++) out[to + j] = addrs[from + j] as number;
        if (idsOut) {
          const id = this.ids[idx] as string;
          const at = idsOff + written * 20;
          for (let j = 0; j < 20; j++) idsOut[at + j] = id.charCodeAt(j);
        }
        written++;
      }
      idx += step;
      if (idx >= n) idx -= n;
    }
    return written;
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}
