import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoutingTable } from '../../../src/discovery/dht/routing-table.js';
import { commonPrefixBits, compareDistance, randomIdWithPrefix } from '../../../src/discovery/dht/node-id.js';
import { hexId, seededBytes } from './helpers.js';

const MIN = 60_000;
let port = 1000;
const contact = (id: Uint8Array, host = '10.0.0.1'): { id: Uint8Array; host: string; port: number } => ({ id, host, port: port++ });

test('an empty table has one bucket; filling past k near our id splits it', () => {
  const own = hexId('00');
  const t = new RoutingTable(own, 0);
  assert.equal(t.bucketCount, 1);
  const rb = seededBytes(5);
  // 8 far nodes (first bit 1) and 8 near nodes (first bit 0)
  for (let i = 0; i < 8; i++) t.update(contact(randomIdWithPrefix(own, 0, true, rb)), 'response', 0);
  assert.equal(t.bucketCount, 1);
  assert.equal(t.size, 8);
  const r = t.update(contact(randomIdWithPrefix(own, 1, false, rb)), 'response', 0);
  assert.equal(r.outcome, 'added');
  assert.ok(t.bucketCount >= 2);
  assert.equal(t.size, 9);
});

test('a full bucket far from our id keeps its good nodes; newcomers go to the replacement cache', () => {
  const own = hexId('00');
  const t = new RoutingTable(own, 0);
  const rb = seededBytes(6);
  // make bucket 0 (ids starting with bit 1) full
  for (let i = 0; i < 8; i++) t.update(contact(randomIdWithPrefix(own, 0, true, rb)), 'response', 0);
  t.update(contact(randomIdWithPrefix(own, 3, true, rb)), 'response', 0); // forces a split
  const newcomer = randomIdWithPrefix(own, 0, true, rb);
  const r = t.update(contact(newcomer), 'response', MIN);
  assert.equal(r.outcome, 'replacement');
  assert.equal(r.ping, undefined, 'all nodes are good: nothing to ping');
  assert.equal(t.find(newcomer), undefined);
  // 15 minutes later the old nodes are questionable: the least recently seen is named for a ping
  const later = 16 * MIN;
  const r2 = t.update(contact(randomIdWithPrefix(own, 0, true, rb)), 'response', later);
  assert.equal(r2.outcome, 'replacement');
  assert.ok(r2.ping);
  assert.equal(t.state(r2.ping, later), 'questionable');
  // it fails twice -> bad -> replaced from the cache
  t.failed(r2.ping.id, later);
  assert.ok(t.find(r2.ping.id));
  t.failed(r2.ping.id, later);
  assert.equal(t.find(r2.ping.id), undefined);
  assert.equal(t.size, 9);
});

test('node states: good, questionable after 15 minutes, good again when it queries us, bad after 2 failures', () => {
  const own = hexId('00');
  const t = new RoutingTable(own, 0);
  const id = hexId('80');
  t.update(contact(id), 'response', 0);
  const n = t.find(id)!;
  assert.equal(t.state(n, 14 * MIN), 'good');
  assert.equal(t.state(n, 15 * MIN), 'questionable');
  t.update({ id, host: n.host, port: n.port }, 'query', 20 * MIN);
  assert.equal(t.state(n, 20 * MIN), 'good');
  t.failed(id, 21 * MIN);
  assert.equal(t.state(n, 21 * MIN), 'questionable');
  t.failed(id, 21 * MIN);
  assert.equal(t.state(n, 21 * MIN), 'bad');
  t.update({ id, host: n.host, port: n.port }, 'response', 22 * MIN);
  assert.equal(t.state(n, 22 * MIN), 'good');
});

test('a node that only queried us is not handed out, and is dropped after one failure', () => {
  const t = new RoutingTable(hexId('00'), 0);
  const id = hexId('40');
  t.update(contact(id), 'query', 0);
  assert.equal(t.closest(hexId('40'), 8).length, 0);
  assert.equal(t.closest(hexId('40'), 8, { includeUnverified: true }).length, 1);
  t.failed(id, 1);
  assert.equal(t.find(id), undefined);
});

test('a known id from another address is ignored unless the old one is bad', () => {
  const t = new RoutingTable(hexId('00'), 0);
  const id = hexId('40');
  t.update({ id, host: '10.0.0.1', port: 1 }, 'response', 0);
  assert.equal(t.update({ id, host: '10.0.0.2', port: 1 }, 'response', 1).outcome, 'rejected');
  assert.equal(t.find(id)!.host, '10.0.0.1');
  t.failed(id, 2);
  t.failed(id, 2);
  assert.equal(t.update({ id, host: '10.0.0.2', port: 1 }, 'response', 3).outcome, 'updated');
  assert.equal(t.find(id)!.host, '10.0.0.2');
});

test('our own id is never added; BEP 42 enforcement rejects non-compliant nodes; compliant ones displace them', () => {
  const own = hexId('00');
  const t = new RoutingTable(own, 0);
  assert.equal(t.update(contact(own), 'response', 0).outcome, 'rejected');
  const compliantIds = new Set<string>();
  const isCompliant = (id: Uint8Array): boolean => compliantIds.has(Buffer.from(id).toString('hex'));
  const enforced = new RoutingTable(own, 0, { isCompliant, enforceCompliance: true });
  assert.equal(enforced.update(contact(hexId('80')), 'response', 0).outcome, 'rejected');
  const preferring = new RoutingTable(own, 0, { isCompliant });
  const rb = seededBytes(9);
  for (let i = 0; i < 8; i++) preferring.update(contact(randomIdWithPrefix(own, 0, true, rb)), 'response', 0);
  preferring.update(contact(randomIdWithPrefix(own, 2, true, rb)), 'response', 0);
  const good = randomIdWithPrefix(own, 0, true, rb);
  compliantIds.add(Buffer.from(good).toString('hex'));
  assert.equal(preferring.update(contact(good), 'response', 1).outcome, 'added');
  assert.ok(preferring.find(good));
});

test('closest() returns the n nearest good nodes in XOR order', () => {
  const rb = seededBytes(11);
  const own = rb(20);
  const t = new RoutingTable(own, 0);
  for (let i = 0; i < 400; i++) {
    const p = Math.floor(rb(1)[0]! / 16);
    t.update(contact(randomIdWithPrefix(own, p, true, rb)), 'response', 0);
  }
  for (let i = 0; i < 50; i++) {
    const target = i % 2 ? rb(20) : randomIdWithPrefix(own, i, true, rb);
    const got = t.closest(target, 8);
    const all = t.all().sort((a, b) => compareDistance(a.id, b.id, target)).slice(0, 8);
    assert.deepEqual(got.map((n) => n.id), all.map((n) => n.id));
  }
});

test('stale buckets are reported after 15 minutes and refresh targets fall inside them', () => {
  const rb = seededBytes(12);
  const own = rb(20);
  const t = new RoutingTable(own, 0);
  for (let i = 0; i < 40; i++) t.update(contact(randomIdWithPrefix(own, i % 6, true, rb)), 'response', 0);
  assert.deepEqual(t.staleBuckets(14 * MIN), []);
  const stale = t.staleBuckets(15 * MIN);
  assert.equal(stale.length, t.bucketCount);
  for (const i of stale) {
    const target = t.randomIdInBucket(i, rb);
    const cpl = commonPrefixBits(own, target);
    if (i < t.bucketCount - 1) assert.equal(cpl, i);
    else assert.ok(cpl >= i);
  }
  t.markRefreshed(0, 15 * MIN);
  assert.ok(!t.staleBuckets(15 * MIN).includes(0));
});
