import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PeerStore } from '../../../src/discovery/dht/peer-store.js';
import { RateLimiter } from '../../../src/discovery/dht/rate-limiter.js';
import { TokenManager } from '../../../src/discovery/dht/tokens.js';
import { TimerQueue } from '../../../src/discovery/dht/timer-queue.js';
import { seededBytes } from './helpers.js';

const MIN = 60_000;
const rnd = (): number => 0.5;

test('peer store: bounded per info hash and in info hashes, announces expire after 30 minutes', () => {
  const s = new PeerStore({ maxInfoHashes: 2, maxPeersPerInfoHash: 3 });
  const rb = seededBytes(1);
  const [a, b, c] = [rb(20), rb(20), rb(20)];
  for (let i = 0; i < 5; i++) s.announce(a, { host: `10.0.0.${i}`, port: 1 }, false, 0);
  assert.deepEqual(s.peers(a, 4, 10, rnd, 1).map((p) => p.host).sort(), ['10.0.0.2', '10.0.0.3', '10.0.0.4']);
  s.announce(a, { host: '::1', port: 2 }, false, 0);
  assert.deepEqual(s.peers(a, 6, 10, rnd, 1), [{ host: '::1', port: 2 }], 'families are kept apart');
  assert.equal(s.peers(a, 4, 2, rnd, 1).length, 2, 'at most the requested count');
  s.announce(b, { host: '10.0.1.1', port: 1 }, false, 10);
  s.announce(c, { host: '10.0.2.1', port: 1 }, false, 20);
  assert.equal(s.infoHashCount, 2);
  assert.deepEqual(s.peers(a, 4, 10, rnd, 30), [], 'the least recently announced info hash was evicted');
  assert.equal(s.peers(c, 4, 10, rnd, 30 * MIN + 19).length, 1);
  assert.equal(s.peers(c, 4, 10, rnd, 30 * MIN + 20).length, 0, 'expired');
  s.expire(31 * MIN);
  assert.equal(s.infoHashCount, 0);
  assert.equal(s.sample(20, rnd).length, 0);
});

test('tokens: same IP any port, 5-10 minutes of validity, IPv6 too', () => {
  const t = new TokenManager(seededBytes(2), 0);
  const tok = t.issue('1.2.3.4', 0);
  assert.ok(t.verify(tok, '1.2.3.4', 4 * MIN));
  assert.ok(t.verify(tok, '1.2.3.4', 9 * MIN));
  assert.ok(!t.verify(tok, '1.2.3.4', 10 * MIN));
  assert.ok(!t.verify(tok, '1.2.3.5', 0));
  const t6 = t.issue('2001:db8::1', 10 * MIN);
  assert.ok(t.verify(t6, '2001:db8::1', 11 * MIN));
  assert.ok(!t.verify(t6, '2001:db8::2', 11 * MIN));
  assert.ok(!t.verify(new Uint8Array(3), '2001:db8::1', 11 * MIN));
  // after a long pause both secrets are new
  const old = t.issue('1.2.3.4', 11 * MIN);
  assert.ok(!t.verify(old, '1.2.3.4', 60 * MIN));
});

test('rate limiter: burst then steady rate, bounded memory', () => {
  const r = new RateLimiter({ perSecond: 2, burst: 4, maxTracked: 10 });
  let ok = 0;
  for (let i = 0; i < 10; i++) if (r.allow('a', 0)) ok++;
  assert.equal(ok, 4);
  assert.ok(!r.allow('a', 400));
  assert.ok(r.allow('a', 500));
  for (let i = 0; i < 100; i++) r.allow(`ip${i}`, 1000);
  assert.ok(r.tracked <= 10);
});

test('timer queue pops in time order, ties in insertion order', () => {
  const q = new TimerQueue<string>();
  const rb = seededBytes(3);
  const items: [number, string][] = [];
  for (let i = 0; i < 200; i++) {
    const at = rb(1)[0]! % 50;
    items.push([at, `${at}-${i}`]);
    q.push(at, `${at}-${i}`);
  }
  const out: string[] = [];
  assert.equal(q.popDue(-1), undefined);
  for (let x = q.popDue(100); x !== undefined; x = q.popDue(100)) out.push(x);
  const want = items.map((x, i) => ({ ...x, i })).sort((a, b) => a[0] - b[0] || a.i - b.i).map((x) => x[1]);
  assert.deepEqual(out, want);
});
