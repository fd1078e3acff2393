import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HashPool, sha256Blocks } from '../../src/hashing/index.js';
import { fileTreeFromBlockHashes } from '../../src/metainfo/merkle.js';
import { hashPieceSpace, type SpaceFile } from '../../src/create/hash-space.js';
import { bytes, hex } from '../helpers/bytes.js';


const dir = mkdtempSync(join(tmpdir(), 'shoal-hash-space-'));
const pools = [new HashPool({ size: 1 }), new HashPool({ size: 2 })];
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await Promise.all(pools.map((p) => p.close()));
});

const PL = 32768;
const contents = [bytes(3 * PL + 100, 1), bytes(0, 2), bytes(10, 3), bytes(PL, 4), bytes(PL + 1, 5)];
const paths = contents.map((c, i) => {
  const p = join(dir, `f${i}`);
  writeFileSync(p, c);
  return p;
});

/** Lays the files out: v1 contiguous; aligned with explicit pads (hybrid) or virtual gaps (v2). */
function layout(mode: 'v1' | 'v2' | 'hybrid'): SpaceFile[] {
  const out: SpaceFile[] = [];
  let cursor = 0;
  contents.forEach((c, i) => {
    if (mode !== 'v1' && c.length > 0 && cursor % PL !== 0) {
      const aligned = Math.ceil(cursor / PL) * PL;
      if (mode === 'hybrid') out.push({ source: null, length: aligned - cursor, offset: cursor });
      cursor = aligned;
    }
    out.push({ source: paths[i] as string, length: c.length, offset: cursor });
    cursor += c.length;
  });
  return out;
}

function reference(files: SpaceFile[]): { pieces: string; trees: { root: string; layer: string }[] } {
  const end = Math.max(...files.map((f) => f.offset + f.length));
  const space = new Uint8Array(end);
  const trees: { root: string; layer: string }[] = [];
  files.forEach((f) => {
    if (f.source === null) return;
    const c = contents[paths.indexOf(f.source)] as Uint8Array;
    space.set(c, f.offset);
    if (c.length > 0) {
      const t = fileTreeFromBlockHashes(sha256Blocks(c), PL);
      trees.push({ root: hex(t.root), layer: hex(t.pieceLayer) });
    }
  });
  const pieces: Buffer[] = [];
  for (let o = 0; o < end; o += PL) pieces.push(createHash('sha1').update(space.subarray(o, o + PL)).digest());
  return { pieces: hex(Buffer.concat(pieces)), trees };
}

for (const mode of ['v1', 'v2', 'hybrid'] as const) {
  test(`${mode}: pieces and trees match a whole-buffer reference, whatever the threads and chunking`, async () => {
    const files = layout(mode);
    const ref = reference(files);
    for (const pool of pools) {
      for (const chunkSize of [PL, 3 * PL, 4 << 20]) {
        const progress: number[] = [];
        const r = await hashPieceSpace({
          files,
          pieceLength: PL,
          v1: mode !== 'v2',
          v2: mode !== 'v1',
          pool,
          chunkSize,
          onProgress: (d, t) => progress.push(d / t),
        });
        const what = `${mode} size=${pool.size} chunk=${chunkSize}`;
        if (mode !== 'v2') assert.equal(hex(r.pieces), ref.pieces, what);
        else assert.equal(r.pieces, undefined);
        if (mode !== 'v1') {
          assert.deepEqual(
            r.v2Files?.map((t) => ({ root: hex(t.root), layer: hex(t.pieceLayer) })),
            ref.trees,
            what,
          );
        } else assert.equal(r.v2Files, undefined);
        assert.equal(progress[0], 0);
        assert.equal(progress.at(-1), 1);
      }
    }
  });
}

test('a file that shrinks while hashing is reported, not hashed as zeros', async () => {
  const p = join(dir, 'shrinks');
  writeFileSync(p, bytes(5 * PL, 9));
  const files: SpaceFile[] = [{ source: p, length: 5 * PL, offset: 0 }];
  truncateSync(p, 2 * PL);
  await assert.rejects(
    hashPieceSpace({ files, pieceLength: PL, v1: true, v2: false, pool: pools[1] as HashPool, chunkSize: PL }),
    { code: 'CREATE_FILE_CHANGED' },
  );
});

test('abort stops the pipeline with ABORTED', async () => {
  const files: SpaceFile[] = [{ source: paths[0] as string, length: (contents[0] as Uint8Array).length, offset: 0 }];
  await assert.rejects(
    hashPieceSpace({ files, pieceLength: PL, v1: true, v2: true, pool: pools[1] as HashPool, signal: AbortSignal.abort() }),
    { code: 'ABORTED' },
  );
});
