// Regression: libtorrent 2.0 treats a v2-only torrent's last file as padded to a whole piece
// (BEP 52 alignment gap) and requests 16 KiB blocks that run past the file's end. shoal used to
// drop it for each such request, so libtorrent could never finish a v2 download from shoal. A
// seeder must now answer with the file's bytes followed by zeros.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeInterested, encodeRequest, type PieceMessage } from '../../src/wire/index.js';
import { closeSharedPool, KiB, makeTorrent, scratch, startSeeder, writeTree } from './helpers.js';
import { RawPeer } from './raw-peer.js';

after(() => closeSharedPool());

test('v2: a request for the alignment gap after the last file is served as zeros', async (t) => {
  const src = await scratch(t);
  const size = 3 * 32 * KiB + 777; // last piece: 777 bytes of file, then the gap
  await writeTree(src, [{ path: 'f.bin', size }]);
  const meta = await makeTorrent(join(src, 'f.bin'), 'v2', 32 * KiB);
  const { client } = await startSeeder(t, meta, src);
  const last = meta.pieceCount - 1;

  const peer = await RawPeer.connect(t, client.port, meta.infoHash);
  peer.send(encodeInterested());
  await peer.until(() => peer.got.some((m) => m.type === 'unchoke'), 'unchoke');
  // Exactly what libtorrent asks for: two full blocks of the (padded) last piece.
  peer.send(encodeRequest(last, 0, 16 * KiB), encodeRequest(last, 16 * KiB, 16 * KiB));
  await peer.until(() => peer.pieces().length >= 2, 'both blocks');
  const file = await readFile(join(src, 'f.bin'));
  const [a, b] = peer.pieces() as [PieceMessage, PieceMessage];
  assert.equal(a.block.length, 16 * KiB);
  assert.deepEqual(Buffer.from(a.block.subarray(0, 777)), file.subarray(last * 32 * KiB));
  assert.ok(a.block.subarray(777).every((x) => x === 0));
  assert.equal(b.block.length, 16 * KiB);
  assert.ok(b.block.every((x) => x === 0));
});
