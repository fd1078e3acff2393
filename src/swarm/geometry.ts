// Piece and block geometry of a torrent (BEP 3).
//
// A torrent's content is cut into pieces of `pieceLength` bytes (the last one may be shorter),
// each verified by its own hash. Peers transfer pieces in blocks: a 'request' names
// (piece, begin, length), and every client uses 16 KiB blocks (BEP 3: larger requests get the
// connection closed). The last block of a piece, and every block of the last piece, may be short.
import { SwarmError } from './errors.js';

/** 16 KiB: the block size every BitTorrent client requests. */
export const DEFAULT_BLOCK_SIZE = 16384;

export interface PieceGeometry {
  pieceCount: number;
  pieceLength: number;
  totalLength: number;
  /** Defaults to 16 KiB. */
  blockSize?: number;
}

/** One block request: `length` bytes at offset `begin` of piece `piece`. */
export interface BlockRequest {
  piece: number;
  begin: number;
  length: number;
}

/** Validated geometry with the block arithmetic used by the picker. */
export class Geometry {
  readonly pieceCount: number;
  readonly pieceLength: number;
  readonly totalLength: number;
  readonly blockSize: number;
  /** Blocks in a full-size piece (the last piece may have fewer). */
  readonly blocksPerPiece: number;
  private readonly lastPieceLength: number;

  constructor(g: PieceGeometry) {
    const blockSize = g.blockSize ?? DEFAULT_BLOCK_SIZE;
    const { pieceCount, pieceLength, totalLength } = g;
    if (!Number.isSafeInteger(pieceLength) || pieceLength <= 0) bad(`piece length ${pieceLength}`);
    if (!Number.isSafeInteger(totalLength) || totalLength <= 0) bad(`total length ${totalLength}`);
    if (!Number.isSafeInteger(blockSize) || blockSize <= 0) bad(`block size ${blockSize}`);
    if (!Number.isSafeInteger(pieceCount) || pieceCount <= 0 || pieceCount > 2 ** 31) bad(`piece count ${pieceCount}`);
    if (Math.ceil(totalLength / pieceLength) !== pieceCount) {
      bad(`${pieceCount} pieces of ${pieceLength} bytes cannot hold ${totalLength} bytes`);
    }
    this.pieceCount = pieceCount;
    this.pieceLength = pieceLength;
    this.totalLength = totalLength;
    this.blockSize = blockSize;
    this.blocksPerPiece = Math.ceil(pieceLength / blockSize);
    this.lastPieceLength = totalLength - (pieceCount - 1) * pieceLength;
  }

  pieceSize(piece: number): number {
    return piece === this.pieceCount - 1 ? this.lastPieceLength : this.pieceLength;
  }

  blocksIn(piece: number): number {
    return piece === this.pieceCount - 1 ? Math.ceil(this.lastPieceLength / this.blockSize) : this.blocksPerPiece;
  }

  blockLength(piece: number, block: number): number {
    return Math.min(this.blockSize, this.pieceSize(piece) - block * this.blockSize);
  }

  /** The request for block `block` of `piece`. */
  request(piece: number, block: number): BlockRequest {
    return { piece, begin: block * this.blockSize, length: this.blockLength(piece, block) };
  }

  /**
   * Index of the block `req` names within its piece. Throws SWARM_BAD_BLOCK unless `req` is exactly
   * one of our blocks: a block we never asked for in that shape is a protocol violation.
   */
  blockIndex(req: BlockRequest): number {
    const { piece, begin, length } = req;
    if (piece >>> 0 !== piece || piece >= this.pieceCount) {
      throw new SwarmError('SWARM_BAD_BLOCK', `block piece index ${piece} out of range [0, ${this.pieceCount})`);
    }
    const block = begin / this.blockSize;
    if (block >>> 0 !== block || block >= this.blocksIn(piece) || length !== this.blockLength(piece, block)) {
      throw new SwarmError('SWARM_BAD_BLOCK', `piece ${piece} has no block at offset ${begin} of length ${length}`);
    }
    return block;
  }
}

function bad(what: string): never {
  throw new SwarmError('SWARM_BAD_GEOMETRY', `invalid torrent geometry: ${what}`);
}
