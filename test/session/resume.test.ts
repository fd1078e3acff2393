// Restarting a download: a download stopped halfway resumes from its resume file without fetching
// a verified piece again (counted in bytes received), a `recheck` restart hashes the disk and finds
// the same pieces, and a piece damaged on disk while the download was stopped is found by the
// recheck and fetched again, so the result is still byte-exact.
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { open as openFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Metainfo } from '../../src/metainfo/index.js';
import { realScheduler, TokenBucket } from '../../src/session/index.js';
import { resumePath } from '../../src/storage/index.js';
import { closeSharedPool, completed, exists, KiB, makeTorrent, MiB, open, pieceSize, sameFiles, scratch, startClient, startSeeder, untilVerified, writeTree } from './helpers.js';

after(() => closeSharedPool());

const files = [{ path: 'data.bin', size: 4 * MiB + 4321 }];

interface Setup {
  src: string;
  out: string;
  meta: Metainfo;
  seedPort: number;
}

async function setup(t: TestContext): Promise<Setup> {
  const src = await scratch(t);
  const out = await scratch(t);
  await writeTree(src, files);
  const meta = await makeTorrent(join(src, 'data.bin'), 'v1', 64 * KiB);
  // A slow seeder (8 MiB/s) so the first run can be stopped partway with certainty.
  const { client } = await startSeeder(t, meta, src, { uploadLimiter: new TokenBucket(realScheduler, 8 * MiB) });
  return { src, out, meta, seedPort: client.port };
}

/** Runs a download until half the pieces are verified, then closes it (saving resume data). */
async function downloadHalf(t: TestContext, s: Setup): Promise<number[]> {
  const client = await startClient(t);
  const first = await open(t, { client, metainfo: s.meta, dir: s.out, peers: [{ host: '127.0.0.1', port: s.seedPort }] });
  assert.equal(first.startedFrom, 'check');
  await untilVerified(first.torrent, () => first.torrent.have.count >= s.meta.pieceCount / 2, 20_000);
  await first.close();
  await client.close();
  const have: number[] = [];
  for (let p = 0; p < s.meta.pieceCount; p++) if (first.torrent.have.get(p)) have.push(p);
  assert.ok(have.length < s.meta.pieceCount, 'the first run must stop before the end');
  assert.ok(await exists(resumePath(s.out, s.meta.infoHash)), 'resume file written on close');
  return have;
}

function missingBytes(meta: Metainfo, have: readonly number[]): number {
  let n = 0;
  const set = new Set(have);
  for (let p = 0; p < meta.pieceCount; p++) if (!set.has(p)) n += pieceSize(meta, p);
  return n;
}

test('a stopped download resumes from its resume file and fetches only missing pieces', async (t) => {
  const s = await setup(t);
  const have = await downloadHalf(t, s);
  const client = await startClient(t);
  const second = await open(t, { client, metainfo: s.meta, dir: s.out, peers: [{ host: '127.0.0.1', port: s.seedPort }] });
  assert.equal(second.startedFrom, 'resume');
  assert.equal(second.torrent.have.count, have.length);
  for (const p of have) assert.ok(second.torrent.have.get(p), `piece ${p} lost on restart`);
  const fetched: number[] = [];
  second.torrent.on('verified', (p) => fetched.push(p));
  await completed(second.torrent, 20_000);
  assert.deepEqual(fetched.filter((p) => have.includes(p)), [], 'a piece verified before the restart was fetched again');
  const missing = missingBytes(s.meta, have);
  const got = second.torrent.stats().downloaded;
  // One seeder: every missing block exactly once (slack of one piece for a timed-out re-request).
  assert.ok(got >= missing && got <= missing + s.meta.pieceLength, `downloaded ${got} bytes, missing were ${missing}`);
  assert.deepEqual(await sameFiles(s.src, s.out, files), []);
});

test('a recheck restart hashes the disk and finds the same pieces', async (t) => {
  const s = await setup(t);
  const have = await downloadHalf(t, s);
  const client = await startClient(t);
  const second = await open(t, { client, metainfo: s.meta, dir: s.out, recheck: true, peers: [{ host: '127.0.0.1', port: s.seedPort }] });
  assert.equal(second.startedFrom, 'check');
  assert.equal(second.torrent.have.count, have.length);
  for (const p of have) assert.ok(second.torrent.have.get(p), `piece ${p} not found by the recheck`);
  await completed(second.torrent, 20_000);
  const missing = missingBytes(s.meta, have);
  const got = second.torrent.stats().downloaded;
  assert.ok(got >= missing && got <= missing + s.meta.pieceLength, `downloaded ${got} bytes, missing were ${missing}`);
  assert.deepEqual(await sameFiles(s.src, s.out, files), []);
});

test('a piece damaged on disk while stopped is found by the recheck and fetched again', async (t) => {
  const s = await setup(t);
  const have = await downloadHalf(t, s);
  const victim = have[0] as number;
  const fh = await openFile(join(s.out, 'data.bin'), 'r+');
  try {
    const b = Buffer.alloc(1);
    const at = victim * s.meta.pieceLength + 100;
    await fh.read(b, 0, 1, at);
    b[0] = (b[0] as number) ^ 0xff;
    await fh.write(b, 0, 1, at);
  } finally {
    await fh.close();
  }
  const client = await startClient(t);
  const second = await open(t, { client, metainfo: s.meta, dir: s.out, recheck: true, peers: [{ host: '127.0.0.1', port: s.seedPort }] });
  assert.equal(second.startedFrom, 'check');
  assert.equal(second.torrent.have.get(victim), false, 'the damaged piece must not count as verified');
  assert.equal(second.torrent.have.count, have.length - 1);
  await completed(second.torrent, 20_000);
  assert.deepEqual(await sameFiles(s.src, s.out, files), []);
});
