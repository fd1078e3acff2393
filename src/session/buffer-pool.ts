// Recycled piece buffers. A downloading piece is assembled in a buffer that travels to a hash
// worker and back, then to the disk; once written, the same memory assembles the next piece.
// Without this every piece would be a fresh allocation whose release waits for the garbage
// collector, and a fast download would hold far more memory than its in-flight pieces need.

export class BufferPool {
  private readonly free: Uint8Array[] = [];

  constructor(private readonly size: number, private readonly maxFree: number) {}

  /** A buffer of `size` bytes (contents undefined); its ArrayBuffer is its own, so it can be transferred. */
  acquire(size: number): Uint8Array {
    if (size === this.size) {
      const b = this.free.pop();
      if (b) return b;
    }
    return Buffer.allocUnsafeSlow(size);
  }

  /** Gives a buffer back; the caller must not touch it afterwards. */
  release(buf: Uint8Array): void {
    if (buf.byteLength === this.size && buf.byteOffset === 0 && buf.buffer.byteLength === this.size && this.free.length < this.maxFree) {
      this.free.push(buf);
    }
  }

  get available(): number {
    return this.free.length;
  }
}
