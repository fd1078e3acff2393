// Super-seeding (BEP 16) in the engine: a super-seed greets with have-none and two haves, refuses
// requests for pieces it never offered, offers the next piece once the last block of an offered
// one is on the wire, takes a flood of claims (haves) without offering a piece twice, and two
// shoal leechers that can only trade what they were offered both finish with the right bytes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { encodeHave, encodeInterested, encodeRequest, type WireMessage } from '../../src/wire/index.js';
import { closeSharedPool, completed, KiB, makeTorrent, MiB, open, sameFiles, scratch, startClient, startSeeder, writeTree } from './helpers.js';
import { RawPeer } from './raw-peer.js';

after(() => closeSharedPool());

const haves = (got: readonly WireMessage[]): number[] => got.flatMap((m) => (m.type === 'have' ? [m.index] : []));

test('a super-seed shows a peer two pieces, serves only those, and offers another once one is sent', async (t) => {
  const src = await scratch(t);
  await writeTree(src, [{ path: 'f.bin', size: 20 * 32 * KiB }]);
  const meta = await makeTorrent(join(src, 'f.bin'), 'v1', 32 * KiB);
  const { client, opened } = await startSeeder(t, meta, src, { superSeed: true });
  assert.equal(opened.torrent.superSeeding, true);
  const peer = await RawPeer.connect(t, client.port, meta.infoHash);
  await peer.until(() => haves(peer.got).length === 2, 'two haves');
  assert.ok(peer.got.some((m) => m.type === 'have-none'), 'have-none, not have-all');
  assert.ok(!peer.got.some((m) => m.type === 'have-all' || m.type === 'bitfield'));
  const [a, b] = haves(peer.got) as [number, number];
  assert.notEqual(a, b);
  peer.send(encodeInterested());
  await peer.until(() => peer.got.some((m) => m.type === 'unchoke'), 'unchoke');

  const hidden = [...Array(meta.pieceCount).keys()].find((p) => p !== a && p !== b) as number;
  peer.send(encodeRequest(hidden, 0, 16 * KiB));
  await peer.until(() => peer.got.some((m) => m.type === 'reject' && m.index === hidden), 'a reject of the piece never offered');

  peer.send(encodeRequest(a, 0, 16 * KiB), encodeRequest(a, 16 * KiB, 16 * KiB));
  await peer.until(() => peer.pieces().length === 2 && haves(peer.got).length === 3, 'both blocks, then a third have');
  const third = haves(peer.got)[2] as number;
  assert.ok(third !== a && third !== b, `the new offer ${third} is a piece not offered before`);
  assert.equal(peer.closed, false);
});

test('a peer that claims every offered piece at once only walks through the torrent once', async (t) => {
  const src = await scratch(t);
  await writeTree(src, [{ path: 'f.bin', size: 40 * 16 * KiB }]);
  const meta = await makeTorrent(join(src, 'f.bin'), 'v1', 16 * KiB);
  const { client, opened } = await startSeeder(t, meta, src, { superSeed: true });
  const warnings: string[] = [];
  opened.torrent.on('warning', (w) => warnings.push(w.message));
  const peer = await RawPeer.connect(t, client.port, meta.infoHash);
  await peer.until(() => haves(peer.got).length === 2, 'two haves');
  // Answer every offer with a have at once (a liar, or a peer fed by others): each claim earns
  // one new offer, never a piece offered before, and the offers end with the torrent.
  for (let sent = 0; sent < meta.pieceCount; sent++) {
    await peer.until(() => haves(peer.got).length > sent || haves(peer.got).length === meta.pieceCount, `offer ${sent + 1}`);
    peer.send(encodeHave(haves(peer.got)[sent] as number), encodeHave(haves(peer.got)[sent] as number));
  }
  await peer.until(() => opened.torrent.peers.size === 1 && [...opened.torrent.peers.values()][0]?.has.count === meta.pieceCount, 'all haves taken');
  const offered = haves(peer.got);
  assert.equal(offered.length, meta.pieceCount);
  assert.equal(new Set(offered).size, meta.pieceCount, 'no piece offered twice');
  assert.equal(peer.closed, false);
  assert.deepEqual(warnings, []);
});

test('two shoal leechers of a super-seed both complete', async (t) => {
  const src = await scratch(t);
  const files = [{ path: 'f.bin', size: 2 * MiB + 999 }];
  await writeTree(src, files);
  const meta = await makeTorrent(join(src, 'f.bin'), 'v1', 32 * KiB);
  const { client: seedClient } = await startSeeder(t, meta, src, { superSeed: true });
  const seedAt = { host: '127.0.0.1', port: seedClient.port };
  const clientA = await startClient(t);
  const clientB = await startClient(t);
  const outA = await scratch(t);
  const outB = await scratch(t);
  const a = await open(t, { client: clientA, metainfo: meta, dir: outA, peers: [seedAt] });
  const b = await open(t, { client: clientB, metainfo: meta, dir: outB, peers: [seedAt, { host: '127.0.0.1', port: clientA.port }] });
  await Promise.all([completed(a.torrent, 30_000), completed(b.torrent, 30_000)]);
  assert.deepEqual(await sameFiles(src, outA, files), []);
  assert.deepEqual(await sameFiles(src, outB, files), []);
  assert.equal(a.torrent.stats().hashFailures + b.torrent.stats().hashFailures, 0);
});
