// The simulated torrent: one v1 file (BEP 3) of `pieceCount` pieces. Piece hashes are zeros, since
// simulated peers carry no data and their checker does not hash; everything the engine reads from
// the metainfo (geometry, files, info hash) is real.
import type { Metainfo } from '../../src/metainfo/index.js';

export interface SimTorrentShape {
  readonly pieceCount: number;
  /** Bytes; a power of two of at least 16 KiB, as real torrents use. */
  readonly pieceLength: number;
  /** Length of the last piece (default: a full piece). */
  readonly lastPieceLength?: number;
}

export function simMetainfo(shape: SimTorrentShape): Metainfo {
  const { pieceCount, pieceLength } = shape;
  if (!Number.isSafeInteger(pieceCount) || pieceCount < 1) throw new RangeError(`piece count ${pieceCount}`);
  if (!Number.isSafeInteger(pieceLength) || pieceLength < 16384 || (pieceLength & (pieceLength - 1)) !== 0) {
    throw new RangeError(`piece length ${pieceLength} is not a power of two >= 16 KiB`);
  }
  const last = shape.lastPieceLength ?? pieceLength;
  if (!(last >= 1 && last <= pieceLength)) throw new RangeError(`last piece length ${last}`);
  const length = (pieceCount - 1) * pieceLength + last;
  const infoHash = new Uint8Array(20);
  infoHash.set([0x53, 0x49, 0x4d, pieceCount & 0xff, (pieceCount >>> 8) & 0xff, pieceLength >>> 14]);
  return {
    version: 'v1',
    infoHashV1: infoHash,
    infoHash,
    infoBytes: new Uint8Array(0),
    name: 'sim.bin',
    pieceLength,
    pieceCount,
    length,
    spaceLength: length,
    files: [{ rawPath: ['sim.bin'], path: ['sim.bin'], length, offset: 0, pad: false, attr: '' }],
    multiFile: false,
    pieces: new Uint8Array(20 * pieceCount),
    private: false,
    announce: [],
    webSeeds: [],
  };
}
