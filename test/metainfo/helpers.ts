// Test helpers: hash in-memory files the way the creator does, and build torrents from them.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { encode, type BEncodable } from '../../src/bencode/index.js';
import {
  BLOCK_SIZE,
  buildTorrent,
  fileTreeFromBlockHashes,
  MetainfoError,
  planPieceSpace,
  sha256,
  type BuildInput,
  type TorrentVersion,
} from '../../src/metainfo/index.js';

export interface MemFile {
  readonly path: readonly string[];
  readonly data: Uint8Array;
  readonly attr?: string;
}

/** Deterministic pseudo-random bytes (xorshift), so fixtures need no randomness. */
export function bytesOf(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function hashed(
  files: readonly MemFile[],
  version: TorrentVersion,
  pieceLength: number,
): Pick<BuildInput, 'files' | 'pieces' | 'v2Files'> {
  const planned = planPieceSpace(
    files.map((f) => ({ path: f.path, length: f.data.length, ...(f.attr ? { attr: f.attr } : {}) })),
    pieceLength,
    version,
  );
  const byPath = new Map(files.map((f) => [f.path.join('/'), f.data]));
  const dataOf = (p: readonly string[]): Uint8Array => byPath.get(p.join('/')) as Uint8Array;
  const out: { -readonly [K in keyof Pick<BuildInput, 'files' | 'pieces' | 'v2Files'>]: BuildInput[K] } = { files: planned };
  if (version !== 'v2') {
    let end = 0;
    for (const f of planned) end = Math.max(end, f.offset + f.length);
    const space = new Uint8Array(end);
    for (const f of planned) if (!f.pad) space.set(dataOf(f.path), f.offset);
    const count = Math.ceil(end / pieceLength);
    const pieces = new Uint8Array(count * 20);
    for (let i = 0; i < count; i++) {
      pieces.set(createHash('sha1').update(space.subarray(i * pieceLength, Math.min(end, (i + 1) * pieceLength))).digest(), i * 20);
    }
    out.pieces = pieces;
  }
  if (version !== 'v1') {
    out.v2Files = planned
      .filter((f) => !f.pad && f.length > 0)
      .map((f) => {
        const data = dataOf(f.path);
        const blocks = Math.ceil(data.length / BLOCK_SIZE);
        const hashes = new Uint8Array(blocks * 32);
        for (let b = 0; b < blocks; b++) hashes.set(sha256(data.subarray(b * BLOCK_SIZE, (b + 1) * BLOCK_SIZE)), b * 32);
        return fileTreeFromBlockHashes(hashes, pieceLength);
      });
  }
  return out;
}

export function makeTorrent(
  name: string,
  files: readonly MemFile[],
  version: TorrentVersion,
  pieceLength = 16384,
  extra: Partial<BuildInput> = {},
): ReturnType<typeof buildTorrent> {
  const singleFile = extra.singleFile ?? false;
  return buildTorrent({ name, version, pieceLength, singleFile, ...hashed(files, version, pieceLength), ...extra });
}

export const hex = (b: Uint8Array | undefined): string | undefined => (b ? Buffer.from(b).toString('hex') : undefined);

/** A hand-built torrent: `info` and top-level extras, encoded canonically. */
export function torrentBytes(info: BEncodable, extra: Record<string, BEncodable> = {}): Uint8Array {
  return encode({ ...extra, info });
}

/** `n` fake 20-byte piece hashes. */
export function fakePieces(n: number): Uint8Array {
  return new Uint8Array(n * 20).fill(7);
}

/** Asserts that `f` throws a MetainfoError with `code` (and, when given, naming `field`). */
export function throwsCode(f: () => unknown, code: string, field?: string): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof MetainfoError, `expected MetainfoError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (field !== undefined) assert.equal(e.field, field, e.message);
    return true;
  });
}
