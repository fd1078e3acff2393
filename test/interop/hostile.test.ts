// shoal's download against hostile peers (harness/hostile-peer.ts, on 127.0.0.2) next to an honest
// seeder on 127.0.0.1: a peer that sends corrupt blocks, one that claims pieces and never sends
// them (or rejects every request), one that sends an absurd length prefix, and one that goes
// silent after the handshake. In every case the download completes with the right bytes.
//
// The leecher runs in-process, built from its parts, with a RecordingStorage around the real file
// storage: every write that reaches storage is recorded and must be one whole piece whose hash
// matches the torrent, so no unverified byte is ever written. A last case runs `shoal download`
// as a process and sees the corrupt peer's hash failures and ban in its --json-progress output.
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTorrent } from '../../src/create/index.js';
import { HashPool } from '../../src/hashing/index.js';
import type { Metainfo } from '../../src/metainfo/index.js';
import { Client, openTorrent, Torrent } from '../../src/session/index.js';
import { FileStorage, RecordingStorage } from '../../src/storage/index.js';
import { HostilePeer, type HostileBehaviour } from './harness/hostile-peer.js';
import { shoal } from './harness/shoal.js';
import { makeRandomFile, sha256File, tmpDir, waitFor } from './harness/tools.js';

const KiB = 1024;
const MiB = 1 << 20;
const SIZE = 2 * MiB + 4321;
const PIECE = 32 * KiB;
/**
 * The leecher's own address: the hostile peer (127.0.0.2) tells its connections apart from the
 * honest seeder's (127.0.0.1), which may learn of the hostile peer through peer exchange.
 */
const LEECHER_IP = '127.0.0.3';

/** One hash pool for every client in this file: starting workers per client costs more than a transfer. */
const pool = new HashPool({ size: 2 });
after(() => pool.close());

interface Fixture {
  dir: string;
  file: string;
  meta: Metainfo;
  torrentPath: string;
  bytes: Buffer;
}

async function fixture(t: TestContext): Promise<Fixture> {
  const dir = await tmpDir(t);
  const file = join(dir, 'data.bin');
  await makeRandomFile(file, SIZE, 'hostile');
  const made = await createTorrent({ path: file, format: 'v1', pieceLength: PIECE, pool, creationDate: null });
  const torrentPath = join(dir, 'data.torrent');
  await writeFile(torrentPath, made.torrent);
  return { dir, file, meta: made.metainfo, torrentPath, bytes: await readFile(file) };
}

/** An honest in-process shoal seeder on 127.0.0.1. */
async function honestSeeder(t: TestContext, f: Fixture): Promise<Client> {
  const client = await Client.start({ host: '127.0.0.1', localAddress: '127.0.0.1', pool });
  t.after(() => client.close());
  const opened = await openTorrent({ client, metainfo: f.meta, dir: f.dir });
  t.after(() => opened.close());
  assert.ok(opened.torrent.isSeed);
  return client;
}

interface Leecher {
  client: Client;
  torrent: Torrent;
  recorder: RecordingStorage;
  out: string;
  banned: string[];
  warnings: string[];
}

/**
 * A leecher built from its parts so its storage can be wrapped (openTorrent has no storage hook):
 * FileStorage → RecordingStorage (keeping each write's bytes) → Torrent.
 */
async function recordingLeecher(t: TestContext, f: Fixture): Promise<Leecher> {
  const out = await tmpDir(t);
  const client = await Client.start({ host: LEECHER_IP, localAddress: LEECHER_IP, pool });
  const storage = await FileStorage.open(f.meta, { root: out });
  const recorder = new RecordingStorage(storage, { keepData: true });
  const torrent = new Torrent({ metainfo: f.meta, storage: recorder, pool: client.pool, peerId: client.peerId, listenPort: client.port });
  const banned: string[] = [];
  const warnings: string[] = [];
  torrent.on('banned', (addr) => banned.push(addr));
  torrent.on('warning', (w) => warnings.push(w.message));
  client.add(torrent);
  torrent.start();
  t.after(async () => {
    await client.close();
    await torrent.drain().catch(() => {});
    await storage.close();
  });
  return { client, torrent, recorder, out, banned, warnings };
}

function addPeer(l: Leecher, host: string, port: number): void {
  l.client.addPeers(l.torrent, [{ host, port }]);
}

function completed(torrent: Torrent, timeoutMs: number): Promise<void> {
  if (torrent.isComplete) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const s = torrent.stats();
      reject(new Error(`download not complete after ${timeoutMs} ms: ${s.havePieces}/${s.pieceCount} pieces, ${s.peers} peers, ${s.hashFailures} hash failures`));
    }, timeoutMs);
    timer.unref(); // a test that gave up waiting must not keep the process alive
    torrent.once('complete', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Every recorded write is one whole piece, written once, whose SHA-1 is the torrent's. */
function assertOnlyVerifiedWrites(l: Leecher, meta: Metainfo): void {
  const pieces = meta.pieces;
  assert.ok(pieces, 'v1 torrent');
  for (const w of l.recorder.writes) {
    const size = w.piece === meta.pieceCount - 1 ? meta.spaceLength - w.piece * meta.pieceLength : meta.pieceLength;
    assert.equal(w.length, size, `write of piece ${w.piece} is not the whole piece`);
    assert.ok(w.data, 'recorder keeps data');
    const got = createHash('sha1').update(w.data).digest();
    assert.ok(got.equals(pieces.subarray(w.piece * 20, w.piece * 20 + 20)), `piece ${w.piece} was written with bytes that fail its hash`);
  }
  assert.deepEqual(l.recorder.duplicates(), [], 'a piece was written twice');
  assert.equal(new Set(l.recorder.writes.map((w) => w.piece)).size, meta.pieceCount, 'every piece written');
}

async function assertSameData(f: Fixture, l: Leecher): Promise<void> {
  assert.equal(await sha256File(join(l.out, 'data.bin')), await sha256File(f.file));
}

function hostile(t: TestContext, f: Fixture, behaviour: HostileBehaviour): Promise<HostilePeer> {
  return HostilePeer.start(t, {
    behaviour,
    infoHash: f.meta.infoHash,
    pieceCount: f.meta.pieceCount,
    source: (piece, begin, length) => f.bytes.subarray(piece * PIECE + begin, piece * PIECE + begin + length),
  });
}

test('a peer sending corrupt blocks is banned; the honest seeder completes the download', async (t) => {
  const f = await fixture(t);
  const bad = await hostile(t, f, 'corrupt');
  const l = await recordingLeecher(t, f);
  // The liar alone first, so every piece it touches is its own: a failed piece convicts it.
  addPeer(l, bad.host, bad.port);
  await waitFor(() => l.banned.length > 0, { timeoutMs: 10_000, what: 'the corrupt peer to be banned' });
  assert.ok(l.banned.every((a) => a.startsWith('127.0.0.2:')), `banned: ${l.banned.join(', ')}`);
  assert.ok(l.torrent.isBanned('127.0.0.2'));
  assert.equal(l.torrent.have.count, 0, 'nothing from the corrupt peer verified');
  const honest = await honestSeeder(t, f);
  addPeer(l, '127.0.0.1', honest.port);
  addPeer(l, bad.host, bad.port); // offered again (as a tracker would): never dialled
  await completed(l.torrent, 20_000);
  assert.ok(l.torrent.stats().hashFailures >= 1);
  assert.deepEqual(bad.from(LEECHER_IP), { connections: 1, open: 0 }, 'a banned peer was dialled again');
  assertOnlyVerifiedWrites(l, f.meta);
  await assertSameData(f, l);
});

test('corrupt and honest peers at once: the corrupt one is banned, the honest one never is', async (t) => {
  const f = await fixture(t);
  const bad = await hostile(t, f, 'corrupt');
  const honest = await honestSeeder(t, f);
  const l = await recordingLeecher(t, f);
  addPeer(l, bad.host, bad.port);
  addPeer(l, '127.0.0.1', honest.port);
  await completed(l.torrent, 20_000);
  t.diagnostic(`corrupt peer sent ${bad.stats.blocksSent} blocks; ${l.torrent.stats().hashFailures} hash failures; banned: ${l.banned.join(', ') || 'none'}`);
  assert.ok(!l.banned.some((a) => a.startsWith('127.0.0.1:')), `the honest seeder was banned: ${l.banned.join(', ')}`);
  assert.equal(l.torrent.isBanned('127.0.0.1'), false);
  if (bad.stats.blocksSent > 0) assert.ok(l.torrent.isBanned('127.0.0.2'), 'corrupt peer sent blocks but was not banned');
  assertOnlyVerifiedWrites(l, f.meta);
  await assertSameData(f, l);
});

// Known engine weakness (reported to the lead): every failed piece has the honest seeder as a
// co-sender, both collect a strike per failure, and at MAX_STRIKES both are banned, so the
// download stalls with no peers. The cure is libtorrent's "parole": after a shared failure a
// piece is re-downloaded whole from one peer, so the next failure names a single sender.

test('a peer poisoning shared pieces (corrupt first block, rejects the rest) is banned, the honest co-sender is not', async (t) => {
  const f = await fixture(t);
  const bad = await hostile(t, f, 'poison');
  const honest = await honestSeeder(t, f);
  const l = await recordingLeecher(t, f);
  addPeer(l, bad.host, bad.port);
  await waitFor(() => bad.stats.blocksSent > 0, { timeoutMs: 5000, what: 'the poisoner to send a block' });
  addPeer(l, '127.0.0.1', honest.port);
  // Fail fast rather than wait out the timeout once the honest seeder is banned.
  const honestBanned = new Promise<never>((_, reject) => {
    l.torrent.on('banned', (addr) => {
      if (addr.startsWith('127.0.0.1:')) reject(new Error(`the honest seeder was banned (banned: ${l.banned.join(', ')})`));
    });
  });
  honestBanned.catch(() => {});
  await Promise.race([completed(l.torrent, 20_000), honestBanned]);
  t.diagnostic(`poisoner sent ${bad.stats.blocksSent} blocks; ${l.torrent.stats().hashFailures} hash failures; banned: ${l.banned.join(', ') || 'none'}`);
  assert.equal(l.torrent.isBanned('127.0.0.1'), false, `the honest seeder was banned: ${l.banned.join(', ')}`);
  assert.ok(l.torrent.isBanned('127.0.0.2'), 'the poisoner was not banned');
  assertOnlyVerifiedWrites(l, f.meta);
  await assertSameData(f, l);
});

for (const behaviour of ['liar', 'liar-reject', 'oversized', 'mute'] as const) {
  test(`a '${behaviour}' peer does not stop the download`, async (t) => {
    const f = await fixture(t);
    const bad = await hostile(t, f, behaviour);
    const honest = await honestSeeder(t, f);
    const l = await recordingLeecher(t, f);
    addPeer(l, bad.host, bad.port);
    // Give the hostile peer a head start, so it holds requests when the honest seeder arrives.
    await waitFor(() => bad.stats.handshakes > 0, { timeoutMs: 5000, what: 'the hostile peer to be dialled' });
    await new Promise((r) => setTimeout(r, 300));
    addPeer(l, '127.0.0.1', honest.port);
    const started = performance.now();
    await completed(l.torrent, 25_000);
    t.diagnostic(`completed ${Math.round(performance.now() - started)} ms after the honest seeder was added; hostile saw ${bad.stats.requests} requests, ${bad.stats.connections} connections`);
    if (behaviour === 'liar' || behaviour === 'liar-reject') assert.ok(bad.stats.requests > 0, 'the liar was asked for blocks');
    assertOnlyVerifiedWrites(l, f.meta);
    await assertSameData(f, l);
  });
}

test('shoal download (CLI) with a corrupt peer and a rate-limited honest seeder', async (t) => {
  const f = await fixture(t);
  const bad = await hostile(t, f, 'corrupt');
  // A slow honest seeder (1 MiB/s), so the corrupt peer is surely asked for blocks.
  const seeder = await shoal.seed(t, f.torrentPath, f.dir, { maxUploadRate: '1M' });
  const out = await tmpDir(t);
  const dl = await shoal.download(t, f.torrentPath, out, { host: LEECHER_IP, peers: [bad.address, seeder.address] });
  const done = await dl.finished(25_000);
  assert.ok(done.hashFailures >= 1, 'the corrupt blocks were caught');
  const warnings = dl.warnings();
  t.diagnostic(`warnings: ${warnings.join(' | ')}`);
  assert.ok(warnings.some((w) => /127\.0\.0\.2:\d+.*hash check|hash check.*127\.0\.0\.2/.test(w)), `no hash-failure warning naming the corrupt peer: ${warnings.join(' | ')}`);
  assert.ok(!warnings.some((w) => /127\.0\.0\.1:\d+.*banned|banned.*127\.0\.0\.1/.test(w)), 'the honest seeder was banned');
  assert.deepEqual(bad.from(LEECHER_IP), { connections: 1, open: 0 }, `the corrupt peer was dialled again after its ban, or is still connected: ${JSON.stringify(bad.stats)}`);
  assert.equal(await sha256File(join(out, 'data.bin')), await sha256File(f.file));
});
