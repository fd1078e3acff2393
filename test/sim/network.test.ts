// Simulated links: capacities, fair sharing of an uplink, a downlink bottleneck, latency, in-order
// delivery, back-pressure (drain) and closing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../sim/swarm/clock.js';
import { connect, SimHost, type SimLink } from '../../sim/swarm/network.js';
import { Mbit } from '../../sim/swarm/config.js';
import type { WireMessage } from '../../src/wire/index.js';

const BLOCK = new Uint8Array(16384);
const PIECE_BYTES = 16384 + 13;

function host(c: VirtualClock, i: number, up: number, down: number, latencyMs = 10, drop?: ReadonlySet<string>): SimHost {
  return new SimHost(c, i, `10.0.0.${i + 1}`, { upload: up * Mbit, download: down * Mbit, latencyMs, ...(drop ? { drop } : {}) });
}

function id(i: number): Uint8Array {
  return new Uint8Array(20).fill(i + 1);
}

/** Records what arrives on a link end, with the virtual time. */
function recorder(c: VirtualClock, link: SimLink): { got: [string, number][]; closed: number[]; drains: number[] } {
  const r = { got: [] as [string, number][], closed: [] as number[], drains: [] as number[] };
  link.attach({
    message: (m: WireMessage) => r.got.push([m.type === 'piece' ? `piece${m.index}` : m.type, c.now()]),
    close: () => r.closed.push(c.now()),
    drain: () => r.drains.push(c.now()),
  });
  return r;
}

test('an uplink sends at its capacity; arrival = transmission + both latencies + the last block through the downlink', async () => {
  const c = new VirtualClock(1);
  const a = host(c, 0, 1, 10);
  const b = host(c, 1, 10, 100);
  const [la, lb] = connect(a, b, id(0), id(1));
  recorder(c, la);
  const rb = recorder(c, lb);
  for (let i = 0; i < 10; i++) la.send({ type: 'piece', index: i, begin: 0, block: BLOCK });
  await c.run();
  assert.equal(rb.got.length, 10);
  const expected = (10 * PIECE_BYTES) / (Mbit / 1000) + 20 + PIECE_BYTES / ((100 * Mbit) / 1000);
  const last = rb.got[9]?.[1] as number;
  assert.ok(Math.abs(last - expected) <= 1.01, `last block at ${last}, expected ${expected.toFixed(1)}`);
  assert.equal(a.payloadSent, 10 * 16384);
  assert.equal(b.messagesReceived, 10);
});

test('an uplink is shared fairly among the connections it sends on', async () => {
  const c = new VirtualClock(1);
  const a = host(c, 0, 1, 10);
  const b = host(c, 1, 10, 100);
  const d = host(c, 2, 10, 100);
  const [ab, ba] = connect(a, b, id(0), id(1));
  const [ad, da] = connect(a, d, id(0), id(2));
  const rb = recorder(c, ba);
  const rd = recorder(c, da);
  for (let i = 0; i < 10; i++) {
    ab.send({ type: 'piece', index: i, begin: 0, block: BLOCK });
    ad.send({ type: 'piece', index: i, begin: 0, block: BLOCK });
  }
  await c.run();
  const lastB = rb.got[9]?.[1] as number;
  const lastD = rd.got[9]?.[1] as number;
  const total = (20 * PIECE_BYTES) / (Mbit / 1000);
  // Turn-taking: each stream ends within one block time of the other, both near the end.
  assert.ok(Math.abs(lastB - lastD) <= PIECE_BYTES / (Mbit / 1000) + 1, `${lastB} vs ${lastD}`);
  assert.ok(Math.min(lastB, lastD) > total * 0.9);
});

test('a slow downlink is the bottleneck for fast senders, and does not block their other connections', async () => {
  const c = new VirtualClock(1);
  const slow = host(c, 0, 1, 1);
  const fast1 = host(c, 1, 100, 100);
  const fast2 = host(c, 2, 100, 100);
  const other = host(c, 3, 100, 100);
  const [f1s, sf1] = connect(fast1, slow, id(1), id(0));
  const [f2s, sf2] = connect(fast2, slow, id(2), id(0));
  const [f1o, of1] = connect(fast1, other, id(1), id(3));
  const r1 = recorder(c, sf1);
  const r2 = recorder(c, sf2);
  const ro = recorder(c, of1);
  for (let i = 0; i < 10; i++) {
    f1s.send({ type: 'piece', index: i, begin: 0, block: BLOCK });
    f2s.send({ type: 'piece', index: i, begin: 0, block: BLOCK });
    f1o.send({ type: 'piece', index: i, begin: 0, block: BLOCK });
  }
  await c.run();
  const downlinkTime = (20 * PIECE_BYTES) / (Mbit / 1000);
  const end = Math.max(r1.got[9]?.[1] as number, r2.got[9]?.[1] as number);
  assert.ok(end >= downlinkTime && end <= downlinkTime + 60, `ended at ${end}, downlink needs ${downlinkTime.toFixed(0)}`);
  // The fast receiver is not held back by the window of the slow one.
  assert.ok((ro.got[9]?.[1] as number) < 200, `fast stream ended at ${ro.got[9]?.[1]}`);
});

test('messages of a connection arrive in order; control messages follow a piece they were queued behind', async () => {
  const c = new VirtualClock(1);
  const a = host(c, 0, 1, 10, 5);
  const b = host(c, 1, 10, 100, 5);
  const [la, lb] = connect(a, b, id(0), id(1));
  const rb = recorder(c, lb);
  la.send({ type: 'unchoke' });
  la.send({ type: 'piece', index: 1, begin: 0, block: BLOCK });
  la.send({ type: 'have', index: 7 });
  la.sendRequests([{ piece: 2, begin: 0, length: 16384 }]);
  la.send({ type: 'piece', index: 2, begin: 0, block: BLOCK });
  await c.run();
  assert.deepEqual(rb.got.map((g) => g[0]), ['unchoke', 'piece1', 'have', 'request', 'piece2']);
  const times = rb.got.map((g) => g[1]);
  for (let i = 1; i < times.length; i++) assert.ok((times[i] as number) >= (times[i - 1] as number));
  // The unchoke left at once: latency plus its 5 bytes at 1 Mbit/s (40 us), in the next quantum.
  assert.equal(times[0], 11);
});

test('pendingBytes counts what the uplink has not taken; drain() follows once it falls back', async () => {
  const c = new VirtualClock(1);
  const a = host(c, 0, 10, 100);
  const b = host(c, 1, 10, 100);
  const [la, lb] = connect(a, b, id(0), id(1));
  const ra = recorder(c, la);
  recorder(c, lb);
  for (let i = 0; i < 64; i++) la.send({ type: 'piece', index: i, begin: 0, block: BLOCK });
  assert.equal(la.pendingBytes, 64 * PIECE_BYTES);
  await c.run();
  assert.equal(la.pendingBytes, 0);
  assert.equal(ra.drains.length, 1);
});

test('closing: the closer hears at once, the other end after what was in flight; later sends are dropped', async () => {
  const c = new VirtualClock(1);
  const a = host(c, 0, 10, 100, 10);
  const b = host(c, 1, 10, 100, 10);
  const [la, lb] = connect(a, b, id(0), id(1));
  const ra = recorder(c, la);
  const rb = recorder(c, lb);
  la.send({ type: 'have', index: 1 });
  c.setTimer(5, () => {
    la.close();
    lb.send({ type: 'have', index: 2 }); // b does not know yet; this never arrives
  });
  await c.run();
  assert.deepEqual(ra.closed, [5]);
  assert.deepEqual(rb.got.map((g) => g[0]), ['have']);
  assert.deepEqual(rb.closed, [25]);
  assert.equal(ra.got.length, 0);
  assert.ok(la.closed && lb.closed);
  assert.equal(a.links.size + b.links.size, 0);
});

test('a free-rider host never sends the message types it drops', async () => {
  const c = new VirtualClock(1);
  const a = host(c, 0, 10, 100, 10, new Set(['unchoke', 'piece']));
  const b = host(c, 1, 10, 100);
  const [la, lb] = connect(a, b, id(0), id(1));
  const rb = recorder(c, lb);
  la.send({ type: 'interested' });
  la.send({ type: 'unchoke' });
  la.send({ type: 'piece', index: 0, begin: 0, block: BLOCK });
  await c.run();
  assert.deepEqual(rb.got.map((g) => g[0]), ['interested']);
});
