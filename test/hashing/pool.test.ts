import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { HashPool, pieceRootOf, sha256Blocks, v2PieceHashes } from '../../src/hashing/index.js';
import { fileTreeFromBlockHashes, pieceRoot } from '../../src/metainfo/merkle.js';
import { bytes } from '../helpers/bytes.js';


const sha1 = (d: Uint8Array): Buffer => createHash('sha1').update(d).digest();
const sha256 = (d: Uint8Array): Buffer => createHash('sha256').update(d).digest();
const hex = (d: Uint8Array): string => Buffer.from(d).toString('hex');

const SIZES = [0, 1, 16383, 16384, 16385, 100_000, (1 << 20) + 7];
const pool = new HashPool({ size: 2 });
after(() => pool.close());

test('sha1 matches node:crypto for sizes around block boundaries, empty included', async () => {
  for (const [i, n] of SIZES.entries()) {
    const d = bytes(n, i + 1);
    assert.equal(hex(await pool.sha1(d)), hex(sha1(d)), `size ${n}`);
  }
});

test('sha1Many keeps order and spreads over workers', async () => {
  const items = SIZES.map((n, i) => bytes(n, i + 10));
  const got = await pool.sha1Many(items);
  assert.deepEqual(got.map(hex), items.map((d) => hex(sha1(d))));
});

test('v2Piece returns the SHA-256 of each 16 KiB block, the last one short', async () => {
  for (const [i, n] of SIZES.entries()) {
    const d = bytes(n, i + 20);
    const expected: Buffer[] = [];
    for (let o = 0; o < n; o += 16384) expected.push(sha256(d.subarray(o, o + 16384)));
    assert.equal(hex(await pool.v2Piece(d)), hex(Buffer.concat(expected)), `size ${n}`);
  }
});

test('hashPieces: v1 pieces and v2 piece layers agree with merkle.ts', async () => {
  const pieceLength = 65536;
  const file = bytes(5 * pieceLength + 1234, 7);
  const r = await pool.hashPieces(file, {
    sha1PieceLength: pieceLength,
    v2: { pieceLength, segments: [{ start: 0, end: file.length, onePiece: false }] },
  });
  const v1: Buffer[] = [];
  for (let o = 0; o < file.length; o += pieceLength) v1.push(sha1(file.subarray(o, o + pieceLength)));
  assert.equal(hex(r.sha1 ?? new Uint8Array()), hex(Buffer.concat(v1)));
  const tree = fileTreeFromBlockHashes(sha256Blocks(file), pieceLength);
  assert.equal(hex(r.v2?.[0] ?? new Uint8Array()), hex(tree.pieceLayer));
  // A file smaller than a piece hashes to its root, with a tree only as wide as its blocks.
  const small = bytes(40_000, 8);
  const one = await pool.hashPieces(small, { v2: { pieceLength, segments: [{ start: 0, end: small.length, onePiece: true }] } });
  assert.equal(hex(one.v2?.[0] ?? new Uint8Array()), hex(fileTreeFromBlockHashes(sha256Blocks(small), pieceLength).root));
  assert.equal(hex(v2PieceHashes(small, pieceLength, true)), hex(one.v2?.[0] ?? new Uint8Array()));
});

test('verifyV1 and verifyV2 say yes to the right hash and no to a wrong one', async () => {
  const pieceLength = 32768;
  const d = bytes(pieceLength, 3);
  assert.equal(await pool.verifyV1(d, sha1(d)), true);
  const bad = d.slice();
  bad[100] = (bad[100] ?? 0) ^ 1;
  assert.equal(await pool.verifyV1(bad, sha1(d)), false);
  const layer = v2PieceHashes(d, pieceLength, false);
  assert.equal(await pool.verifyV2(d, layer, { pieceLength, onePiece: false }), true);
  assert.equal(await pool.verifyV2(bad, layer, { pieceLength, onePiece: false }), false);
  assert.equal(await pool.verifyV2(new Uint8Array(0), layer, { pieceLength, onePiece: false }), false);
});

test('transfer moves the buffer (detached for the caller) and hashPieces hands it back', async () => {
  const d = bytes(300_000, 4);
  const expected = hex(sha1(d));
  const mine = d.slice();
  const r = await pool.hashPieces(mine, { sha1PieceLength: 1 << 20 }, { transfer: true });
  assert.equal(mine.byteLength, 0, 'caller view detached');
  assert.equal(hex(r.sha1 ?? new Uint8Array()), expected);
  assert.ok(r.data);
  assert.equal(hex(sha1(r.data)), expected, 'the same bytes come back');
});

test('without transfer only the view is copied; shared memory is read in place', async () => {
  const backing = bytes(1 << 20, 5);
  const view = backing.subarray(1000, 21000);
  assert.equal(hex(await pool.sha1(view)), hex(sha1(view)));
  assert.equal(backing.byteLength, 1 << 20, 'caller buffer untouched');
  const shared = new Uint8Array(new SharedArrayBuffer(50_000));
  shared.set(bytes(50_000, 6));
  assert.equal(hex(await pool.sha1(shared)), hex(sha1(shared)));
});

test('back-pressure: jobs beyond maxPending wait, waitForCapacity resolves once room frees', async () => {
  const p = new HashPool({ size: 1, perWorker: 1, maxPending: 2 });
  try {
    const data = Array.from({ length: 6 }, (_, i) => bytes(2 << 20, 30 + i));
    const jobs = data.map((d) => p.sha1(d));
    assert.deepEqual(p.stats, { workers: 1, running: 1, queued: 1, waiting: 4 });
    let roomy = false;
    const room = p.waitForCapacity().then(() => {
      roomy = true;
    });
    await jobs[0];
    assert.equal(roomy, false, 'still full after the first job: waiting jobs take the room first');
    const got = await Promise.all(jobs);
    await room;
    assert.equal(roomy, true);
    assert.deepEqual(got.map(hex), data.map((d) => hex(sha1(d))));
    assert.deepEqual(p.stats, { workers: 1, running: 0, queued: 0, waiting: 0 });
  } finally {
    await p.close();
  }
});

test('close() while busy rejects unfinished jobs and is idempotent', async () => {
  const p = new HashPool({ size: 2, maxPending: 3 });
  const jobs = Array.from({ length: 8 }, (_, i) => p.sha1(bytes(1 << 20, 50 + i)));
  const settled = Promise.allSettled(jobs);
  const c1 = p.close();
  const c2 = p.close();
  assert.equal(c1, c2);
  await c1;
  const results = await settled;
  for (const r of results) {
    assert.equal(r.status, 'rejected');
    assert.equal((r.reason as { code?: string }).code, 'HASH_POOL_CLOSED');
  }
  await assert.rejects(p.sha1(new Uint8Array(1)), { code: 'HASH_POOL_CLOSED' });
  await assert.rejects(p.waitForCapacity(), { code: 'HASH_POOL_CLOSED' });
  assert.equal(p.closed, true);
});

test('abort: before submit, while waiting, and while running', async () => {
  const p = new HashPool({ size: 1, perWorker: 1, maxPending: 1 });
  try {
    await assert.rejects(p.sha1(new Uint8Array(10), { signal: AbortSignal.abort() }), { code: 'ABORTED' });
    const ac = new AbortController();
    const running = p.sha1(bytes(4 << 20, 60), { signal: ac.signal });
    const waitingAc = new AbortController();
    const waiting = p.sha1(bytes(1000, 61), { signal: waitingAc.signal });
    const other = p.sha1(bytes(1000, 62));
    assert.equal(p.stats.waiting, 2);
    waitingAc.abort();
    await assert.rejects(waiting, { code: 'ABORTED' });
    assert.equal(p.stats.waiting, 1);
    ac.abort();
    await assert.rejects(running, { code: 'ABORTED' });
    assert.equal(hex(await other), hex(sha1(bytes(1000, 62))), 'the pool keeps working after aborts');
    const capAc = new AbortController();
    const blocker = p.sha1(bytes(1 << 20, 63));
    const cap = p.waitForCapacity(capAc.signal);
    capAc.abort();
    await assert.rejects(cap, { code: 'ABORTED' });
    await blocker;
  } finally {
    await p.close();
  }
});

test('an idle pool that is never closed does not keep the process alive', () => {
  const url = new URL('../../src/hashing/index.ts', import.meta.url).href;
  const code = `import { HashPool } from ${JSON.stringify(url)};
    const p = new HashPool({ size: 2 });
    const h = await p.sha1(new Uint8Array(5));
    console.log(Buffer.from(h).toString('hex'));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), hex(sha1(new Uint8Array(5))));
});

test('works when the parent runs with flags a worker rejects (--input-type)', () => {
  const url = new URL('../../src/hashing/index.ts', import.meta.url).href;
  const code = `import { HashPool } from ${JSON.stringify(url)};
    const p = new HashPool({ size: 1 });
    console.log(Buffer.from(await p.sha1(new Uint8Array(3))).toString('hex'));
    await p.close();`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type', 'module', '-e', code], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), hex(sha1(new Uint8Array(3))));
});

test('hashFiles: workers read file ranges and zero runs themselves', async () => {
  const { mkdtempSync, writeFileSync, rmSync, truncateSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'shoal-hashfiles-'));
  try {
    const a = bytes(700_000, 70);
    const b = bytes(300_001, 71);
    writeFileSync(join(dir, 'a'), a);
    writeFileSync(join(dir, 'b'), b);
    const pieceLength = 65536;
    // Stream: a[100_000..700_000), zeros up to a block boundary, then all of b (one v2 segment).
    const zeros = 16384 - (600_000 % 16384);
    const stream = Buffer.concat([a.subarray(100_000), new Uint8Array(zeros), b]);
    const bStart = 600_000 + zeros;
    const r = await pool.hashFiles(
      [
        { path: join(dir, 'a'), position: 100_000, length: 600_000, fileLength: a.length },
        { zeros },
        { path: join(dir, 'b'), position: 0, length: b.length, fileLength: b.length },
      ],
      { sha1PieceLength: pieceLength, v2: { pieceLength, segments: [{ start: bStart, end: stream.length, onePiece: false }] } },
    );
    const v1: Buffer[] = [];
    for (let o = 0; o < stream.length; o += pieceLength) v1.push(sha1(stream.subarray(o, o + pieceLength)));
    assert.equal(hex(r.sha1 ?? new Uint8Array()), hex(Buffer.concat(v1)));
    assert.equal(hex(r.v2?.[0] ?? new Uint8Array()), hex(fileTreeFromBlockHashes(sha256Blocks(b), pieceLength).pieceLayer));
    await assert.rejects(pool.hashFiles([{ path: join(dir, 'missing'), position: 0, length: 10 }], { sha1PieceLength: pieceLength }), {
      code: 'HASH_READ_FAILED',
    });
    truncateSync(join(dir, 'b'), 1000);
    await assert.rejects(pool.hashFiles([{ path: join(dir, 'b'), position: 0, length: b.length }], { sha1PieceLength: pieceLength }), {
      code: 'HASH_FILE_CHANGED',
    });
    writeFileSync(join(dir, 'b'), Buffer.concat([b, b]));
    await assert.rejects(
      pool.hashFiles([{ path: join(dir, 'b'), position: 0, length: b.length, fileLength: b.length }], { sha1PieceLength: pieceLength }),
      { code: 'HASH_FILE_CHANGED' },
      'a file that grew is caught at its end',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pieceRootOf equals merkle.ts pieceRoot for any block count, padded or one-piece', () => {
  for (const pieceLength of [16384, 65536, 1 << 20]) {
    const perPiece = pieceLength / 16384;
    for (let blocks = 1; blocks <= perPiece; blocks = blocks < 4 ? blocks + 1 : blocks * 2 - 1) {
      const hashes = bytes(blocks * 32, blocks + pieceLength);
      for (const onePiece of [false, true]) {
        assert.equal(hex(pieceRootOf(hashes, pieceLength, onePiece)), hex(pieceRoot(hashes, pieceLength, onePiece)), `${pieceLength}/${blocks}/${onePiece}`);
      }
    }
  }
});

test('mainThread: the calling thread is one of the executors, with the same answers', async () => {
  for (const size of [1, 2]) {
    const p = new HashPool({ size, mainThread: true });
    try {
      const items = SIZES.map((n, i) => bytes(n, i + 80));
      assert.deepEqual((await p.sha1Many(items)).map(hex), items.map((d) => hex(sha1(d))));
      assert.equal(p.stats.workers, size);
      const d = bytes(100_000, 90);
      assert.equal(await p.verifyV1(d, sha1(d)), true);
      const ac = new AbortController();
      const jobs = Array.from({ length: 6 }, (_, i) => p.sha1(bytes(1 << 20, 91 + i), { signal: i === 5 ? ac.signal : undefined }));
      ac.abort();
      await assert.rejects(jobs[5] as Promise<Uint8Array>, { code: 'ABORTED' });
      await Promise.all(jobs.slice(0, 5));
      const pending = assert.rejects(p.sha1(bytes(1 << 20, 99)), { code: 'HASH_POOL_CLOSED' });
      await p.close();
      await pending;
    } finally {
      await p.close();
    }
  }
});

test('workers start on demand: one job at a time keeps one worker, a burst starts the rest', async () => {
  const p = new HashPool({ size: 2 });
  try {
    p.warm(1);
    assert.equal(p.stats.workers, 1);
    for (let i = 0; i < 5; i++) {
      const d = bytes(1 << 16, 100 + i);
      assert.equal(hex(await p.sha1(d)), hex(sha1(d)));
    }
    assert.equal(p.stats.workers, 1, 'a trickle of jobs needs no second worker');
    const items = Array.from({ length: 8 }, (_, i) => bytes(1 << 20, 110 + i));
    assert.deepEqual((await p.sha1Many(items)).map(hex), items.map((d) => hex(sha1(d))));
    assert.equal(p.stats.workers, 2, 'a backlog starts another worker');
  } finally {
    await p.close();
  }
});
