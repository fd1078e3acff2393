// The upload send buffer follows the peer's rate (libtorrent's send_buffer_watermark): a
// connection whose data is not leaving keeps at most 32 KiB queued, so requests behind it stay
// cancellable; a drain lets uploading continue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Torrent } from '../../src/session/torrent.js';
import { VirtualAssembler } from '../../src/session/piece-assembler.js';
import type { OutgoingMessage, PeerLink, PeerLinkHandler } from '../../src/session/peer-link.js';
import type { BlockRequest } from '../../src/swarm/index.js';
import { xoshiro128ss } from '../../src/swarm/random.js';
import { VirtualClock } from '../../sim/swarm/clock.js';
import { simMetainfo } from '../../sim/swarm/metainfo.js';
import { NullStorage } from '../../sim/swarm/null-storage.js';

/** A link whose bytes never leave until the test says so. */
class StuckLink implements PeerLink {
  readonly address = '10.0.0.2:6881';
  readonly remoteIp = '10.0.0.2';
  readonly remotePort = 6881;
  readonly outgoing = false;
  readonly remotePeerId = new Uint8Array(20).fill(2);
  readonly features = { fast: true, extensionProtocol: false, dht: false, v2: false };
  closed = false;
  pendingBytes = 0;
  handler: Partial<PeerLinkHandler> = {};
  readonly sent: OutgoingMessage[] = [];

  send(m: OutgoingMessage): void {
    this.sent.push(m);
    if (m.type === 'piece') this.pendingBytes += 13 + m.block.length;
  }

  sendRequests(_blocks: readonly BlockRequest[]): void {}

  attach(handler: Partial<PeerLinkHandler>): void {
    this.handler = handler;
  }

  close(): void {
    this.closed = true;
  }

  pieces(): number {
    return this.sent.filter((m) => m.type === 'piece').length;
  }
}

/** Lets the engine's promise chains (piece reads) settle. */
async function settle(clock: VirtualClock, until: number): Promise<void> {
  await clock.run({ until });
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

test('a seeder queues at most 32 KiB on a connection that does not drain, and goes on after drain()', async () => {
  const clock = new VirtualClock(1);
  const meta = simMetainfo({ pieceCount: 4, pieceLength: 256 * 1024 });
  const torrent = new Torrent({
    metainfo: meta,
    storage: new NullStorage({ pieceLength: meta.pieceLength, pieceCount: meta.pieceCount, files: meta.files }),
    peerId: new Uint8Array(20).fill(1),
    have: new Uint8Array([0xf0]),
    scheduler: clock,
    random: xoshiro128ss(1),
    checker: { verify: (_piece: number, data: Uint8Array) => Promise.resolve({ ok: true as const, data }) },
    assembler: new VirtualAssembler(),
  });
  torrent.start();
  const link = new StuckLink();
  assert.equal(torrent.addConnection(link), true);
  const deliver = (m: Parameters<PeerLinkHandler['message']>[0]): void => link.handler.message?.(m);
  deliver({ type: 'have-none' });
  deliver({ type: 'interested' });
  await settle(clock, 100);
  assert.ok(link.sent.some((m) => m.type === 'unchoke'), 'unchoked');
  for (let b = 0; b < 16; b++) deliver({ type: 'request', index: 0, begin: b * 16384, length: 16384 });
  await settle(clock, 200);
  assert.equal(link.pieces(), 2, 'two blocks fill the 32 KiB send buffer; the rest stay queued (and cancellable)');
  deliver({ type: 'cancel', index: 0, begin: 15 * 16384, length: 16384 });
  link.pendingBytes = 0;
  link.handler.drain?.();
  await settle(clock, 300);
  // 32 KiB left the buffer in its first 250 ms: the watermark is now half a second of that rate.
  assert.equal(link.pieces(), 6);
  for (let i = 0; i < 10; i++) {
    link.pendingBytes = 0;
    link.handler.drain?.();
    await settle(clock, 400 + i * 100);
  }
  assert.equal(link.pieces(), 15, 'every request but the cancelled one was served');
  torrent.stop();
});
