// Shared helpers of the storage tests: layouts built from compact descriptions, deterministic
// content, a reference model of the piece space, and temp folders that are always removed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PieceVerifier, StorageFile, StorageLayout } from '../../src/storage/index.js';

export type FileSpec = number | { len: number; pad?: boolean; attr?: string; name?: string };

/**
 * Builds a layout. 'v1': files back to back. 'hybrid': BEP 47 padding files after every file but
 * the last, up to the next piece boundary. 'v2': same alignment with virtual gaps (no entries).
 */
export function buildLayout(pieceLength: number, specs: readonly FileSpec[], mode: 'v1' | 'hybrid' | 'v2' = 'v1'): StorageLayout {
  const files: StorageFile[] = [];
  let offset = 0;
  specs.forEach((s, i) => {
    const spec = typeof s === 'number' ? { len: s } : s;
    const name = spec.name ?? `f${i}.bin`;
    files.push({ path: ['dir', name], length: spec.len, offset, pad: spec.pad ?? false, ...(spec.attr ? { attr: spec.attr } : {}) });
    offset += spec.len;
    const rem = offset % pieceLength;
    if (mode !== 'v1' && rem !== 0 && i < specs.length - 1 && spec.len > 0) {
      const gap = pieceLength - rem;
      if (mode === 'hybrid') files.push({ path: ['.pad', String(gap)], length: gap, offset, pad: true, attr: 'p' });
      offset += gap;
    }
  });
  return { pieceLength, pieceCount: Math.ceil(offset / pieceLength), files };
}

/** Deterministic bytes, different per seed. */
export function content(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** The whole piece space: each data file's content at its offset, zeros elsewhere. */
export function pieceSpace(layout: StorageLayout, fileData: (i: number) => Uint8Array): Uint8Array {
  const end = layout.files.reduce((m, f) => (f.length > 0 ? Math.max(m, f.offset + f.length) : m), 0);
  const out = new Uint8Array(end);
  layout.files.forEach((f, i) => {
    if (!f.pad && f.length > 0) out.set(fileData(i), f.offset);
  });
  return out;
}

export function pieceOf(space: Uint8Array, layout: StorageLayout, piece: number): Uint8Array {
  return space.subarray(piece * layout.pieceLength, Math.min(space.length, (piece + 1) * layout.pieceLength));
}

/** Splits a piece into blocks of `size` (views, as the engine hands them over). */
export function blocks(data: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, Math.min(data.length, i + size)));
  return out;
}

/** A verifier that compares with the expected piece space (stands in for the hashing workers). */
export class FakeVerifier implements PieceVerifier {
  calls: number[] = [];
  constructor(private readonly space: Uint8Array, private readonly layout: StorageLayout) {}
  async verify(piece: number, data: Uint8Array): Promise<boolean> {
    this.calls.push(piece);
    await new Promise((r) => setImmediate(r));
    return Buffer.from(pieceOf(this.space, this.layout, piece)).equals(Buffer.from(data));
  }
}

export async function withTmp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-storage-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
