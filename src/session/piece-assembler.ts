// Where the blocks of pieces in progress wait for their hash check. The real assembler copies
// each block into a recycled piece buffer (one copy: the block arrived as a view of a socket
// chunk); the simulator's assembler moves no bytes at all, since its peers carry no data.
import { BufferPool } from './buffer-pool.js';

export interface PieceAssembler {
  /** Stores a block of a piece in progress (`pieceSize`: the piece's length). */
  write(piece: number, begin: number, block: Uint8Array, pieceSize: number): void;
  /** Removes and returns the assembled piece; ownership passes to the caller. */
  take(piece: number): Uint8Array | undefined;
  /** Gives back a buffer from take() once it is written or discarded. */
  release(buf: Uint8Array): void;
  clear(): void;
}

export class BufferAssembler implements PieceAssembler {
  private readonly pieces = new Map<number, Uint8Array>();
  private readonly pool: BufferPool;

  constructor(pieceLength: number, maxPooled: number) {
    this.pool = new BufferPool(pieceLength, maxPooled);
  }

  write(piece: number, begin: number, block: Uint8Array, pieceSize: number): void {
    let buf = this.pieces.get(piece);
    if (!buf) {
      // Its own ArrayBuffer, so the whole piece can be transferred to a hash worker and back.
      buf = this.pool.acquire(pieceSize);
      this.pieces.set(piece, buf);
    }
    buf.set(block, begin);
  }

  take(piece: number): Uint8Array | undefined {
    const buf = this.pieces.get(piece);
    this.pieces.delete(piece);
    return buf;
  }

  release(buf: Uint8Array): void {
    this.pool.release(buf);
  }

  clear(): void {
    this.pieces.clear();
  }
}

/** For peers that carry no data (the simulator): remembers nothing, copies nothing. */
export class VirtualAssembler implements PieceAssembler {
  private static readonly EMPTY = new Uint8Array(0);
  write(): void {}
  take(): Uint8Array {
    return VirtualAssembler.EMPTY;
  }
  release(): void {}
  clear(): void {}
}
