// shoal's `download` and `seed` commands against real BitTorrent clients on loopback: libtorrent
// 2.0 (seeder and leecher; v1, v2 and hybrid torrents), Transmission 3.00 (seeder; it never dials
// loopback peers), aria2 (leecher; it finds peers only through a tracker, here a whitelisted
// opentracker), a super-seeding shoal (BEP 16) with a libtorrent and a shoal leecher, and a mixed
// swarm of a libtorrent seeder and two shoal leechers. Torrents come from shoal's createTorrent,
// libtorrent and mktorrent. Every case checks each file's SHA-256 against its source and kills
// every process it started.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTorrent } from '../../src/create/index.js';
import { parseMetainfo, type TorrentVersion } from '../../src/metainfo/index.js';
import { aria2, libtorrent, mktorrent, opentracker, transmission } from './harness/clients.js';
import { shoal } from './harness/shoal.js';
import { makeRandomFile, requireLibtorrent, requireTool, sha256File, tmpDir } from './harness/tools.js';

const MiB = 1 << 20;
const KiB = 1024;
/** Per-transfer bound: a few MB on loopback take well under a second when things work. */
const TRANSFER_MS = 25_000;

interface Tree {
  /** Folder that holds the torrent's file or top folder (a client's "save path"). */
  dataDir: string;
  /** The file or top folder itself. */
  root: string;
  /** Paths relative to dataDir. */
  files: string[];
}

/** A multi-file tree `dataDir/tree/...` with files of awkward sizes, or one file. */
async function makeTree(t: TestContext, kind: 'single' | 'multi', seed: string): Promise<Tree> {
  const dataDir = await tmpDir(t);
  if (kind === 'single') {
    await makeRandomFile(join(dataDir, 'data.bin'), 3 * MiB + 777, seed);
    return { dataDir, root: join(dataDir, 'data.bin'), files: ['data.bin'] };
  }
  const files = ['tree/a.bin', 'tree/sub/b.bin', 'tree/sub/c.bin', 'tree/z.bin'];
  const sizes = [2 * MiB + 13, 40_000, 700 * KiB + 1, 300 * KiB];
  await mkdir(join(dataDir, 'tree', 'sub'), { recursive: true });
  for (let i = 0; i < files.length; i++) await makeRandomFile(join(dataDir, files[i] as string), sizes[i] as number, `${seed}-${i}`);
  return { dataDir, root: join(dataDir, 'tree'), files };
}

async function assertSameFiles(tree: Tree, outDir: string): Promise<void> {
  for (const f of tree.files) {
    assert.equal(await sha256File(join(outDir, f)), await sha256File(join(tree.dataDir, f)), `${f} differs from its source`);
  }
}

/** A torrent made by shoal's createTorrent; returns its path and (v1-or-truncated) info hash. */
async function shoalTorrent(t: TestContext, tree: Tree, format: TorrentVersion, pieceLength: number, announce?: string[]): Promise<{ path: string; infoHash: string }> {
  const made = await createTorrent({ path: tree.root, format, pieceLength, threads: 1, ...(announce ? { announce: [announce] } : {}) });
  const path = join(await tmpDir(t), `shoal-${format}.torrent`);
  await writeFile(path, made.torrent);
  return { path, infoHash: Buffer.from(made.metainfo.infoHash).toString('hex') };
}

async function infoHashOf(torrent: string): Promise<string> {
  return Buffer.from(parseMetainfo(await readFile(torrent)).infoHash).toString('hex');
}

test('download from a libtorrent seeder: v1 torrent made by shoal', async (t) => {
  if (!(await requireLibtorrent(t))) return;
  const tree = await makeTree(t, 'single', 'lt-seed-v1');
  const { path } = await shoalTorrent(t, tree, 'v1', 64 * KiB);
  const seeder = await libtorrent.seed(t, path, tree.dataDir);
  const out = await tmpDir(t);
  const dl = await shoal.download(t, path, out, { peers: [seeder.address] });
  const done = await dl.finished(TRANSFER_MS);
  assert.equal(done.have, done.pieces);
  assert.equal(done.hashFailures, 0);
  await assertSameFiles(tree, out);
});

for (const format of ['v2', 'hybrid'] as const) {
  test(`download from a libtorrent seeder: multi-file ${format} torrent made by libtorrent`, async (t) => {
    if (!(await requireLibtorrent(t))) return;
    const tree = await makeTree(t, 'multi', `lt-seed-${format}`);
    const path = join(await tmpDir(t), `lt-${format}.torrent`);
    await libtorrent.create(tree.root, path, { format, pieceLength: 32 * KiB });
    const seeder = await libtorrent.seed(t, path, tree.dataDir);
    const out = await tmpDir(t);
    const dl = await shoal.download(t, path, out, { peers: [seeder.address] });
    const done = await dl.finished(TRANSFER_MS);
    assert.equal(done.hashFailures, 0);
    await assertSameFiles(tree, out);
  });
}

test('download from a Transmission seeder: multi-file v1 torrent made by mktorrent', async (t) => {
  if (!(await requireTool('transmission-daemon', t)) || !(await requireTool('mktorrent', t))) return;
  const tree = await makeTree(t, 'multi', 'tr-seed');
  const path = join(await tmpDir(t), 'mk.torrent');
  await mktorrent.create(tree.root, path, { pieceLengthLog2: 16, announce: [['http://127.0.0.1:1/announce']] });
  const seeder = await transmission.seed(t, path, tree.dataDir);
  const out = await tmpDir(t);
  const dl = await shoal.download(t, path, out, { peers: [seeder.address] });
  // Transmission unchokes a new peer only at its next 10-second rechoke: allow for that.
  const done = await dl.finished(TRANSFER_MS + 5000);
  assert.equal(done.hashFailures, 0);
  await assertSameFiles(tree, out);
});

test('download --only two files of a libtorrent hybrid torrent (with pad files): the others are not created', async (t) => {
  if (!(await requireLibtorrent(t))) return;
  const tree = await makeTree(t, 'multi', 'lt-only');
  const path = join(await tmpDir(t), 'lt-hybrid.torrent');
  await libtorrent.create(tree.root, path, { format: 'hybrid', pieceLength: 32 * KiB });
  const meta = parseMetainfo(await readFile(path));
  // --only counts files as `shoal info` lists them: pad files left out.
  const visible = meta.files.filter((f) => !f.pad).map((f) => f.path.join('/'));
  assert.ok(meta.files.some((f) => f.pad), 'libtorrent hybrid torrents have pad files');
  const wanted = ['tree/sub/b.bin', 'tree/z.bin'];
  const only = wanted.map((w) => visible.indexOf(w));
  assert.ok(only.every((i) => i >= 0), `files: ${visible.join(', ')}`);
  const seeder = await libtorrent.seed(t, path, tree.dataDir);
  const out = await tmpDir(t);
  const dl = await shoal.download(t, path, out, { peers: [seeder.address], only: only.join(',') });
  const done = await dl.finished(TRANSFER_MS);
  assert.ok(done.have < done.pieces, 'only some pieces fetched');
  await assertSameFiles({ ...tree, files: wanted }, out);
  for (const skipped of ['tree/a.bin', 'tree/sub/c.bin']) {
    await assert.rejects(stat(join(out, skipped)), { code: 'ENOENT' }, `${skipped} was created`);
  }
});

test('seed to a libtorrent leecher: multi-file v1 torrent made by libtorrent', async (t) => {
  if (!(await requireLibtorrent(t))) return;
  const tree = await makeTree(t, 'multi', 'lt-leech-v1');
  const path = join(await tmpDir(t), 'lt-v1.torrent');
  await libtorrent.create(tree.root, path, { format: 'v1', pieceLength: 64 * KiB });
  const seeder = await shoal.seed(t, path, tree.dataDir);
  assert.equal(seeder.started.have, seeder.started.pieces, 'shoal verified the data it seeds');
  const out = await tmpDir(t);
  const leech = await libtorrent.download(t, path, out, { peers: [seeder.address], timeoutS: 25 });
  await leech.finished(TRANSFER_MS);
  await assertSameFiles(tree, out);
});

for (const format of ['v2', 'hybrid'] as const) {
  test(`seed to a libtorrent leecher: single-file ${format} torrent made by shoal`, async (t) => {
    if (!(await requireLibtorrent(t))) return;
    const tree = await makeTree(t, 'single', `lt-leech-${format}`);
    const { path } = await shoalTorrent(t, tree, format, 32 * KiB);
    const seeder = await shoal.seed(t, path, tree.dataDir);
    const out = await tmpDir(t);
    const leech = await libtorrent.download(t, path, out, { peers: [seeder.address], timeoutS: 25 });
    await leech.finished(TRANSFER_MS);
    await assertSameFiles(tree, out);
  });
}

test('seed to an aria2 leecher found through a whitelisted opentracker', async (t) => {
  if (!(await requireTool('aria2c', t)) || !(await requireTool('opentracker', t))) return;
  const tree = await makeTree(t, 'single', 'aria2-leech');
  // The tracker URL must be in the torrent (aria2 only uses the torrent's trackers), and the
  // tracker must know the info hash first: make the torrent, then start the tracker with it.
  const tracker = await opentracker.start(t, { whitelist: [] });
  const { path, infoHash } = await shoalTorrent(t, tree, 'v1', 64 * KiB, [tracker.httpUrl]);
  await tracker.allow([infoHash]);
  const seeder = await shoal.seed(t, path, tree.dataDir);
  const out = await tmpDir(t);
  await aria2.download(t, path, out, { timeoutMs: TRANSFER_MS });
  await assertSameFiles(tree, out);
  assert.ok(!seeder.warnings().some((w) => /not wired in/.test(w)), `shoal did not announce: ${seeder.warnings().join('; ')}`);
});

test('super-seed (BEP 16) to a libtorrent leecher and a shoal leecher: both complete', async (t) => {
  if (!(await requireLibtorrent(t))) return;
  const tree = await makeTree(t, 'single', 'super-seed');
  const { path } = await shoalTorrent(t, tree, 'v1', 32 * KiB);
  const seeder = await shoal.seed(t, path, tree.dataDir, { extraArgs: ['--super-seed'] });
  const outLt = await tmpDir(t);
  const outShoal = await tmpDir(t);
  // Each leecher is shown only the pieces offered to it: they must trade to finish.
  const lt = await libtorrent.download(t, path, outLt, { peers: [seeder.address], timeoutS: 25 });
  const leech = await shoal.download(t, path, outShoal, { peers: [seeder.address, lt.address] });
  const [, done] = await Promise.all([lt.finished(TRANSFER_MS), leech.finished(TRANSFER_MS)]);
  assert.equal(done.hashFailures, 0);
  await assertSameFiles(tree, outLt);
  await assertSameFiles(tree, outShoal);
});

test('mixed swarm: a libtorrent seeder and two shoal leechers all complete', async (t) => {
  if (!(await requireLibtorrent(t))) return;
  const tree = await makeTree(t, 'multi', 'mixed');
  const path = join(await tmpDir(t), 'lt-hybrid.torrent');
  await libtorrent.create(tree.root, path, { format: 'v1', pieceLength: 32 * KiB });
  const seeder = await libtorrent.seed(t, path, tree.dataDir);
  const outA = await tmpDir(t);
  const outB = await tmpDir(t);
  const a = await shoal.download(t, path, outA, { peers: [seeder.address] });
  const b = await shoal.download(t, path, outB, { peers: [seeder.address, a.address] });
  const [doneA, doneB] = await Promise.all([a.finished(TRANSFER_MS), b.finished(TRANSFER_MS)]);
  assert.equal(doneA.hashFailures + doneB.hashFailures, 0);
  await assertSameFiles(tree, outA);
  await assertSameFiles(tree, outB);
  assert.equal(await infoHashOf(path), a.started.infoHash);
});
