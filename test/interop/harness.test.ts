// Proves the interop harness itself: its helpers, libtorrent as creator/parser, and real
// transfers between libtorrent, Transmission and aria2 on loopback, checked by SHA-256.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { aria2, libtorrent, opentracker, transmission } from './harness/clients.js';
import { spawnProcess } from './harness/process.js';
import { freePort, freeTcpUdpPort, makeRandomFile, requireLibtorrent, requireTool, sha256File, tmpDir, waitFor } from './harness/tools.js';

const MiB = 1 << 20;

test('tools: deterministic data, hashing, ports and bounded waits', { timeout: 10_000 }, async (t) => {
  const dir = await tmpDir(t);
  await makeRandomFile(join(dir, 'a'), 3 * MiB + 17, 'seed-1');
  await makeRandomFile(join(dir, 'b'), 3 * MiB + 17, 'seed-1');
  await makeRandomFile(join(dir, 'c'), 3 * MiB + 17, 'seed-2');
  assert.equal((await stat(join(dir, 'a'))).size, 3 * MiB + 17);
  assert.equal(await sha256File(join(dir, 'a')), await sha256File(join(dir, 'b')));
  assert.notEqual(await sha256File(join(dir, 'a')), await sha256File(join(dir, 'c')));
  await makeRandomFile(join(dir, 'empty'), 0, 'x');
  assert.equal(await sha256File(join(dir, 'empty')), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');

  const [tcp, udp, both] = [await freePort('tcp'), await freePort('udp'), await freeTcpUdpPort()];
  for (const p of [tcp, udp, both]) assert.ok(p > 0 && p < 65536);

  let n = 0;
  assert.equal(await waitFor(() => ++n >= 3 && n, { timeoutMs: 2000, intervalMs: 5, what: 'three polls' }), 3);
  await assert.rejects(waitFor(() => false, { timeoutMs: 100, intervalMs: 20, what: 'never' }), /timed out after 100 ms waiting for never/);
});

test('requireTool: skips locally, fails under CI', { timeout: 10_000 }, async () => {
  const skipped: string[] = [];
  const fake = { skip: (m?: string) => skipped.push(m ?? '') } as unknown as TestContext;
  const saved = process.env.CI;
  try {
    process.env.CI = 'true';
    await assert.rejects(requireTool('no-such-tool-shoal', fake), /missing under CI: 'no-such-tool-shoal' is not installed/);
    assert.equal(await requireTool('sh', fake), true);
    delete process.env.CI;
    assert.equal(await requireTool('no-such-tool-shoal', fake), false);
    assert.equal(skipped.length, 1);
    assert.match(skipped[0] ?? '', /no-such-tool-shoal/);
  } finally {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  }
});

test('process: output is captured and the whole process group is killed', { timeout: 15_000 }, async (t) => {
  // The shell forks a grandchild; stopping the group must take it down too.
  const p = spawnProcess(t, 'sh', ['-c', 'echo hello; echo oops >&2; sleep 60 & echo "child $!"; wait']);
  const m = await p.waitForLine(/^child (\d+)$/, 5000);
  const grandchild = Number(m[1]);
  await p.waitForLine(/^oops$/, 5000, 'stderr'); // the two pipes are read independently
  await p.stop();
  await waitFor(() => !alive(grandchild), { timeoutMs: 3000, intervalMs: 20, what: 'grandchild to die' });
  await assert.rejects(p.waitForLine(/never/, 1000), /exited .* before printing/);

  const r = spawnProcess(t, 'sh', ['-c', 'echo a; echo b; echo b; echo b; echo end']);
  assert.deepEqual(await r.waitForExit(5000), { code: 0, signal: null });
  assert.equal(r.tail(), '  a\n  b  (×3)\n  end', 'repeated lines are folded in error output');

  const q = spawnProcess(t, 'sh', ['-c', 'echo started; sleep 60']);
  await assert.rejects(q.waitForLine(/never/, 200), (e: Error) => /timed out after 200 ms/.test(e.message) && /started/.test(e.message));
});

/** True while `pid` runs; a zombie (killed, not yet reaped by init) counts as dead. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

test('libtorrent creates v1, v2 and hybrid torrents and info reports them', { timeout: 30_000 }, async (t) => {
  if (!(await requireLibtorrent(t))) return;
  const dir = await tmpDir(t);
  const src = join(dir, 'tree');
  await mkdir(join(src, 'sub'), { recursive: true });
  await makeRandomFile(join(src, 'one.bin'), 100_000, 1);
  await makeRandomFile(join(src, 'sub', 'two.bin'), 50_000, 2);
  const hexes = new Set<string>();
  for (const format of ['v1', 'v2', 'hybrid'] as const) {
    const out = join(dir, `${format}.torrent`);
    const made = await libtorrent.create(src, out, { format, pieceLength: 16384, trackers: ['http://127.0.0.1:1/announce'] });
    const info = await libtorrent.info(out);
    assert.equal(info.name, 'tree');
    assert.equal(info.pieceLength, 16384);
    assert.equal(info.infoHashV1, made.infoHashV1);
    assert.equal(info.infoHashV2, made.infoHashV2);
    assert.equal(info.infoHashV1 === null, format === 'v2', `${format}: v1 hash presence`);
    assert.equal(info.infoHashV2 === null, format === 'v1', `${format}: v2 hash presence`);
    if (info.infoHashV1 !== null) assert.match(info.infoHashV1, /^[0-9a-f]{40}$/);
    if (info.infoHashV2 !== null) assert.match(info.infoHashV2, /^[0-9a-f]{64}$/);
    assert.deepEqual(info.trackers, ['http://127.0.0.1:1/announce']);
    const real = info.files.filter((f) => !f.padFile).map((f) => [f.path, f.size]);
    assert.deepEqual(real.sort(), [['tree/one.bin', 100_000], ['tree/sub/two.bin', 50_000]]);
    // v1 pieces run across files (150000 B → 10 pieces); v2 pieces never do (7 + 4).
    assert.equal(info.numPieces, format === 'v1' ? 10 : 11);
    hexes.add(String(info.infoHashV1) + String(info.infoHashV2));
    assert.deepEqual(await libtorrent.check(out, dir), { numPieces: info.numPieces, havePieces: info.numPieces, complete: true });
  }
  assert.equal(hexes.size, 3);
});

test('opentracker answers only for whitelisted hashes', { timeout: 30_000 }, async (t) => {
  if (!(await requireTool('opentracker', t))) return;
  const listed = 'aa'.repeat(20);
  const other = 'bb'.repeat(20);
  const tr = await opentracker.start(t, { whitelist: [listed] });
  const announce = async (hex: string): Promise<string> => {
    const ih = hex.replace(/../g, '%$&');
    const res = await fetch(`${tr.httpUrl}?info_hash=${ih}&peer_id=-SH0001-abcdefghijkl&port=6881&uploaded=0&downloaded=0&left=0&compact=1`, {
      signal: AbortSignal.timeout(5000),
    });
    return Buffer.from(await res.arrayBuffer()).toString('latin1');
  };
  assert.match(await announce(listed), /^d8:complete.*5:peers/);
  assert.match(await announce(other), /failure reason.*not authorized/);
  await tr.allow([other]);
  assert.match(await announce(other), /^d8:complete.*5:peers/);
});

test('libtorrent seeder → libtorrent leecher through a whitelisted opentracker (hybrid)', { timeout: 60_000 }, async (t) => {
  if (!(await requireLibtorrent(t)) || !(await requireTool('opentracker', t))) return;
  const dir = await tmpDir(t);
  const seedDir = join(dir, 'seed');
  const outDir = join(dir, 'out');
  await mkdir(seedDir);
  await makeRandomFile(join(seedDir, 'payload.bin'), 4 * MiB + 12345, 'lt-lt');
  const tr = await opentracker.start(t, { whitelist: [] });
  const torrent = join(dir, 'payload.torrent');
  const made = await libtorrent.create(join(seedDir, 'payload.bin'), torrent, { format: 'hybrid', pieceLength: 65536, trackers: [tr.httpUrl] });
  await tr.allow([made.infoHashV1, made.infoHashV2].filter((h): h is string => h !== null));

  const seeder = await libtorrent.seed(t, torrent, seedDir);
  assert.equal(seeder.ready.state, 'seeding');
  await seeder.waitEvent('tracker_reply', 10_000);
  const leecher = await libtorrent.download(t, torrent, outDir, { timeoutS: 40 });
  await leecher.finished(45_000);
  assert.equal(await sha256File(join(outDir, 'payload.bin')), await sha256File(join(seedDir, 'payload.bin')));
});

test('libtorrent leecher starts from a magnet link and dials the seeder itself', { timeout: 60_000 }, async (t) => {
  if (!(await requireLibtorrent(t))) return;
  const dir = await tmpDir(t);
  const seedDir = join(dir, 'seed');
  const outDir = join(dir, 'out');
  await mkdir(join(seedDir, 'pack'), { recursive: true });
  await makeRandomFile(join(seedDir, 'pack', 'x.bin'), MiB + 5, 'magnet-x');
  await makeRandomFile(join(seedDir, 'pack', 'y.bin'), 200_000, 'magnet-y');
  const torrent = join(dir, 'pack.torrent');
  const made = await libtorrent.create(join(seedDir, 'pack'), torrent, { format: 'hybrid', pieceLength: 32768 });
  const magnet = `magnet:?xt=urn:btih:${made.infoHashV1 ?? ''}&xt=urn:btmh:1220${made.infoHashV2 ?? ''}&dn=pack`;

  const seeder = await libtorrent.seed(t, torrent, seedDir);
  const leecher = await libtorrent.download(t, magnet, outDir, { peers: [seeder.address], timeoutS: 40 });
  assert.equal(leecher.ready.hasMetadata, false);
  await leecher.waitEvent('metadata_received', 20_000);
  await leecher.finished(40_000);
  for (const f of ['x.bin', 'y.bin']) {
    assert.equal(await sha256File(join(outDir, 'pack', f)), await sha256File(join(seedDir, 'pack', f)), f);
  }
});

test('Transmission seeder → libtorrent leecher (libtorrent dials Transmission)', { timeout: 60_000 }, async (t) => {
  if (!(await requireLibtorrent(t)) || !(await requireTool('transmission-daemon', t))) return;
  const dir = await tmpDir(t);
  const seedDir = join(dir, 'seed');
  const outDir = join(dir, 'out');
  await mkdir(join(seedDir, 'album', 'disc 1'), { recursive: true });
  await makeRandomFile(join(seedDir, 'album', 'disc 1', 'a.bin'), 2 * MiB + 1, 'tr-a');
  await makeRandomFile(join(seedDir, 'album', 'b.bin'), MiB + 999, 'tr-b');
  const torrent = join(dir, 'album.torrent');
  await libtorrent.create(join(seedDir, 'album'), torrent, { format: 'v1', pieceLength: 32768 }); // Transmission 3.00 reads v1 only

  const seeder = await transmission.seed(t, torrent, seedDir);
  const leecher = await libtorrent.download(t, torrent, outDir, { peers: [seeder.address], timeoutS: 40 });
  await leecher.finished(45_000);
  for (const f of [['disc 1', 'a.bin'], ['b.bin']]) {
    assert.equal(await sha256File(join(outDir, 'album', ...f)), await sha256File(join(seedDir, 'album', ...f)), f.join('/'));
  }
  assert.ok((await seeder.torrent(seeder.torrentId)).uploadedEver >= 3 * MiB);
});

test('libtorrent seeder → aria2 leecher through opentracker', { timeout: 60_000 }, async (t) => {
  if (!(await requireLibtorrent(t)) || !(await requireTool('opentracker', t)) || !(await requireTool('aria2c', t))) return;
  const dir = await tmpDir(t);
  const seedDir = join(dir, 'seed');
  const outDir = join(dir, 'out');
  await mkdir(seedDir);
  await makeRandomFile(join(seedDir, 'payload.bin'), 3 * MiB + 777, 'lt-aria2');
  const tr = await opentracker.start(t, { whitelist: [] });
  const torrent = join(dir, 'payload.torrent');
  const made = await libtorrent.create(join(seedDir, 'payload.bin'), torrent, { format: 'v1', pieceLength: 65536, trackers: [tr.httpUrl] });
  await tr.allow([made.infoHashV1].filter((h): h is string => h !== null));

  const seeder = await libtorrent.seed(t, torrent, seedDir);
  await seeder.waitEvent('tracker_reply', 10_000);
  await aria2.download(t, torrent, outDir, { listenPort: await freePort(), timeoutMs: 40_000 });
  assert.equal(await sha256File(join(outDir, 'payload.bin')), await sha256File(join(seedDir, 'payload.bin')));
  assert.deepEqual((await readdir(outDir)).filter((n) => !n.endsWith('.aria2')), ['payload.bin']);
});
