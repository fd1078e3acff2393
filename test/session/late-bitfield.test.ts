// Regression: aria2 announces have-none, then sends bitfields (and finally have-all) in the
// middle of a connection. shoal used to drop it for each late bitfield ("bitfield after other
// messages"), so aria2 reconnected over and over and stalled halfway. A late bitfield or have-all
// now only adds haves, and the connection stays up.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { encodeBitfield, encodeHaveAll, encodeHaveNone, encodeInterested, encodeRequest } from '../../src/wire/index.js';
import { closeSharedPool, KiB, makeTorrent, scratch, startClient, startSeeder, writeTree, open } from './helpers.js';
import { RawPeer } from './raw-peer.js';

after(() => closeSharedPool());

test('a seeder keeps a peer that sends have-none, then bitfields, then have-all', async (t) => {
  const src = await scratch(t);
  await writeTree(src, [{ path: 'f.bin', size: 10 * 16 * KiB }]);
  const meta = await makeTorrent(join(src, 'f.bin'), 'v1', 16 * KiB);
  const { client, opened } = await startSeeder(t, meta, src);
  const warnings: string[] = [];
  opened.torrent.on('warning', (w) => warnings.push(w.message));
  const peer = await RawPeer.connect(t, client.port, meta.infoHash);
  peer.send(encodeHaveNone(), encodeInterested(), encodeBitfield(new Uint8Array([0b1010_0000, 0])), encodeBitfield(new Uint8Array([0b1110_0000, 0])));
  await peer.until(() => peer.got.some((m) => m.type === 'unchoke'), 'unchoke');
  peer.send(encodeRequest(5, 0, 16 * KiB), encodeHaveAll());
  await peer.until(() => peer.pieces().length >= 1, 'a block');
  assert.equal(peer.closed, false);
  assert.deepEqual(warnings, []);
});

test('a leecher learns pieces from a late bitfield', async (t) => {
  const src = await scratch(t);
  await writeTree(src, [{ path: 'f.bin', size: 10 * 16 * KiB }]);
  const meta = await makeTorrent(join(src, 'f.bin'), 'v1', 16 * KiB);
  const client = await startClient(t);
  const leech = await open(t, { client, metainfo: meta, dir: await scratch(t) });
  const peer = await RawPeer.connect(t, client.port, meta.infoHash);
  await peer.until(() => peer.got.some((m) => m.type === 'handshake'), 'handshake');
  peer.send(encodeHaveNone(), encodeBitfield(new Uint8Array([0b0100_0000, 0])));
  // Interested: the late bitfield told the leecher this peer has piece 1.
  await peer.until(() => peer.got.some((m) => m.type === 'interested'), 'interested');
  assert.equal(leech.torrent.peers.size, 1);
  const [state] = leech.torrent.peers.values();
  assert.equal(state?.has.get(1), true);
});
