// Super-seeding (BEP 16) in the engine: a super-seed greets with have-none and two haves, refuses
// requests for pieces it never offered, offers the next piece once the last block of an offered
// one is on the wire, and two shoal leechers that can only trade what they were offered both
// finish with the right bytes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { encodeInterested, encodeRequest, type WireMessage } from '../../src/wire/index.js';
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
