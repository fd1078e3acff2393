// A small LRU of whole verified pieces for serving uploads: peers ask for a piece in 16 KiB blocks,
// so reading the piece once and answering every block from memory replaces dozens of positional
// reads with one. Freshly verified pieces are put here on their way to disk, so a swarm that is
// passing a piece along never reads it back. Concurrent misses for one piece share one read.

export class PieceCache {
  private readonly pieces = new Map<number, Promise<Uint8Array>>();
  private readonly sizes = new Map<number, number>();
  private bytes = 0;
  /** The piece inserted or refreshed last (the end of the Map's order), while it is in the Map. */
  private newest = -1;

  constructor(private readonly maxBytes: number, private readonly read: (piece: number) => Promise<Uint8Array>) {}

  put(piece: number, data: Uint8Array): void {
    this.remove(piece);
    this.insert(piece, Promise.resolve(data), data.length);
  }

  get(piece: number): Promise<Uint8Array> {
    const hit = this.pieces.get(piece);
    if (hit) {
      // Refresh recency: Map iteration order is insertion order. Blocks are asked for piece by
      // piece, so the piece is usually the newest already; moving it anyway left a deleted entry
      // per block served, and the Map reallocated its table every few dozen blocks.
      if (piece !== this.newest) {
        this.pieces.delete(piece);
        this.pieces.set(piece, hit);
        this.newest = piece;
      }
      return hit;
    }
    const p = this.read(piece);
    p.catch(() => this.remove(piece));
    this.insert(piece, p, 0);
    void p.then((d) => {
      if (this.pieces.get(piece) === p) {
        this.sizes.set(piece, d.length);
        this.bytes += d.length;
        this.evict();
      }
    }, () => {});
    return p;
  }

  remove(piece: number): void {
    if (!this.pieces.delete(piece)) return;
    this.bytes -= this.sizes.get(piece) ?? 0;
    this.sizes.delete(piece);
  }

  clear(): void {
    this.pieces.clear();
    this.sizes.clear();
    this.bytes = 0;
  }

  private insert(piece: number, p: Promise<Uint8Array>, size: number): void {
    this.pieces.set(piece, p);
    this.newest = piece;
    this.sizes.set(piece, size);
    this.bytes += size;
    this.evict();
  }

  private evict(): void {
    for (const oldest of this.pieces.keys()) {
      if (this.bytes <= this.maxBytes || this.pieces.size <= 1) return;
      this.remove(oldest);
    }
  }
}
