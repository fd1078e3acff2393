// Regression: libtorrent 2.0 treats a v2-only torrent's last file as padded to a whole piece
// (BEP 52 alignment gap) and requests 16 KiB blocks that run past the file's end. shoal used to
// drop it for each such request, so libtorrent could never finish a v2 download from shoal. A
// seeder must now answer with the file's bytes followed by zeros.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeHandshake, encodeInterested, encodeRequest, makePeerId, makeReserved, WireDecoder, type WireMessage } from '../../src/wire/index.js';
import { closeSharedPool, KiB, makeTorrent, scratch, startSeeder, writeTree } from './helpers.js';

after(() => closeSharedPool());

test('v2: a request for the alignment gap after the last file is served as zeros', async (t) => {
  const src = await scratch(t);
  const size = 3 * 32 * KiB + 777; // last piece: 777 bytes of file, then the gap
  await writeTree(src, [{ path: 'f.bin', size }]);
  const meta = await makeTorrent(join(src, 'f.bin'), 'v2', 32 * KiB);
  const { client } = await startSeeder(t, meta, src);
  const last = meta.pieceCount - 1;

  const sock = connect({ host: '127.0.0.1', port: client.port });
  t.after(() => sock.destroy());
  const decoder = new WireDecoder();
  const got: WireMessage[] = [];
  let closed = false;
  sock.on('data', (c: Buffer) => got.push(...decoder.push(new Uint8Array(c))));
  sock.on('close', () => (closed = true));
  sock.on('error', () => {});
  sock.write(encodeHandshake({ reserved: makeReserved({ fast: true }), infoHash: meta.infoHash, peerId: makePeerId((n) => new Uint8Array(n).fill(1)) }));
  sock.write(encodeInterested());
  const deadline = Date.now() + 10_000;
  while (!got.some((m) => m.type === 'unchoke')) {
    assert.ok(!closed && Date.now() < deadline, 'seeder never unchoked us');
    await new Promise((r) => setTimeout(r, 20));
  }
  // Exactly what libtorrent asks for: two full blocks of the (padded) last piece.
  sock.write(encodeRequest(last, 0, 16 * KiB));
  sock.write(encodeRequest(last, 16 * KiB, 16 * KiB));
  const pieces = (): Extract<WireMessage, { type: 'piece' }>[] => got.filter((m): m is Extract<WireMessage, { type: 'piece' }> => m.type === 'piece');
  while (pieces().length < 2) {
    assert.ok(!closed, 'seeder dropped us for requesting the alignment gap');
    assert.ok(Date.now() < deadline, 'blocks not served');
    await new Promise((r) => setTimeout(r, 20));
  }
  const file = await readFile(join(src, 'f.bin'));
  const [a, b] = pieces() as [Extract<WireMessage, { type: 'piece' }>, Extract<WireMessage, { type: 'piece' }>];
  assert.equal(a.block.length, 16 * KiB);
  assert.deepEqual(Buffer.from(a.block.subarray(0, 777)), file.subarray(last * 32 * KiB));
  assert.ok(a.block.subarray(777).every((x) => x === 0));
  assert.equal(b.block.length, 16 * KiB);
  assert.ok(b.block.every((x) => x === 0));
});
