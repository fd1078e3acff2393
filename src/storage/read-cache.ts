// A small LRU cache of whole pieces for serving block requests. Peers ask for a piece 16 KiB at a
// time; reading the piece once and answering the following blocks from memory turns a dozen or
// more thread-pool round trips into one. Concurrent requests for the same piece share one read.
// Cached pieces are never handed out: callers get copies, so no consumer can alter or detach them.

interface Entry {
  readonly data: Promise<Uint8Array>;
  readonly size: number;
}

export class PieceCache {
  private readonly entries = new Map<number, Entry>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes [begin, begin + length) of `piece` (size `size`), loading the whole piece on a miss. */
  async block(piece: number, size: number, begin: number, length: number, load: () => Promise<Uint8Array>): Promise<Uint8Array> {
    let e = this.entries.get(piece);
    if (e) {
      this.hits++;
      this.entries.delete(piece); // re-insert: Map order is the LRU order
      this.entries.set(piece, e);
    } else {
      this.misses++;
      e = { data: load(), size };
      this.entries.set(piece, e);
      this.bytes += size;
      const entry = e;
      entry.data.catch(() => this.drop(piece, entry));
      this.evict();
    }
    const data = await e.data;
    return data.slice(begin, begin + length);
  }

  invalidate(piece: number): void {
    const e = this.entries.get(piece);
    if (e) this.drop(piece, e);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private drop(piece: number, e: Entry): void {
    if (this.entries.get(piece) !== e) return;
    this.entries.delete(piece);
    this.bytes -= e.size;
  }

  private evict(): void {
    for (const [piece, e] of this.entries) {
      if (this.bytes <= this.maxBytes || this.entries.size <= 1) break;
      this.drop(piece, e);
    }
  }
}
