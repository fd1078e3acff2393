import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PeerConnection } from '../../src/session/peer-connection.js';
import type { ByteStream } from '../../src/transport/types.js';
import { encodeBitfield, encodeExtended, encodeHandshake, encodePiece, makeReserved, type WireMessage } from '../../src/wire/index.js';

/** A stream that, like a dialled TCP socket, delivers every chunk in one reused buffer. */
class ReusingStream extends EventEmitter {
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 6881;
  readonly bufferedBytes = 0;
  readonly transientChunks = true;
  closed = false;
  private readonly mem = new Uint8Array(64 * 1024);
  write(): boolean {
    return true;
  }
  pause(): void {}
  resume(): void {}
  close(): void {
    this.closed = true;
  }
  deliver(bytes: Uint8Array, chunk: number): void {
    for (let off = 0; off < bytes.length; off += chunk) {
      const n = Math.min(chunk, bytes.length - off);
      this.mem.set(bytes.subarray(off, off + n));
      this.emit('data', this.mem.subarray(0, n));
      this.mem.fill(0xee);
    }
  }
}

const hs = encodeHandshake({ reserved: makeReserved({ fast: true, extensionProtocol: true }), infoHash: new Uint8Array(20).fill(1), peerId: new Uint8Array(20).fill(2) });
const blocks = [1, 2, 3].map((v) => new Uint8Array(16384).fill(v));
const traffic = [hs, encodeBitfield(new Uint8Array([0xe0])), encodeExtended(1, new Uint8Array(100).fill(9)), ...blocks.map((b, i) => encodePiece(0, i * 16384, b))];

function bytes(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function check(got: readonly WireMessage[]): void {
  const bf = got.find((m) => m.type === 'bitfield');
  assert.deepEqual(bf?.type === 'bitfield' && [...bf.bitfield], [0xe0]);
  const ext = got.find((m) => m.type === 'extended');
  assert.ok(ext?.type === 'extended' && ext.payload.length === 100 && ext.payload.every((x) => x === 9));
  const pieces = got.filter((m) => m.type === 'piece');
  assert.equal(pieces.length, 3);
  pieces.forEach((p, i) => assert.ok(p.type === 'piece' && p.block.every((x) => x === i + 1), `block ${i} intact`));
}

test('messages kept by a receiver, or in the backlog, survive the transport reusing its read buffer', () => {
  for (const chunk of [7, 1000, 20000, 65536]) {
    const kept = new PeerConnection(new ReusingStream() as unknown as ByteStream, true);
    const got: WireMessage[] = [];
    kept.attach({ message: (m) => got.push(m) });
    (kept.stream as unknown as ReusingStream).deliver(bytes(traffic), chunk);
    check(got);

    const late = new PeerConnection(new ReusingStream() as unknown as ByteStream, true);
    (late.stream as unknown as ReusingStream).deliver(bytes(traffic), chunk);
    const backlog: WireMessage[] = [];
    late.attach({ message: (m) => backlog.push(m), blocksInPlace: true });
    check(backlog);
  }
});

test('a receiver with blocksInPlace gets blocks it must copy at once, and they are right at that time', () => {
  const conn = new PeerConnection(new ReusingStream() as unknown as ByteStream, true);
  const copies: Uint8Array[] = [];
  const views: Uint8Array[] = [];
  conn.attach({
    message: (m) => {
      if (m.type !== 'piece') return;
      copies.push(new Uint8Array(m.block));
      views.push(m.block);
    },
    blocksInPlace: true,
  });
  (conn.stream as unknown as ReusingStream).deliver(bytes(traffic), 10000);
  assert.equal(copies.length, 3);
  copies.forEach((c, i) => assert.ok(c.every((x) => x === i + 1)));
  assert.ok(views.some((v, i) => !v.every((x) => x === i + 1)), 'the views themselves were reused (no hidden copy)');
});
