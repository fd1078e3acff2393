import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lookup, type Candidate } from '../../../src/discovery/dht/lookup.js';
import { compareDistance, idEquals } from '../../../src/discovery/dht/node-id.js';
import type { NodeContact } from '../../../src/krpc/index.js';
import { seededBytes } from './helpers.js';

function network(n: number, seed: number): NodeContact[] {
  const rb = seededBytes(seed);
  return Array.from({ length: n }, (_, i) => ({ id: rb(20), host: `10.0.${i >> 8}.${i & 255}`, port: 6881 }));
}

/** What node `c` would answer: the k nodes it knows closest to target (it knows a random 1/8 plus its neighbours). */
function answer(nodes: NodeContact[], c: Candidate, target: Uint8Array): NodeContact[] {
  const self = nodes.find((x) => x.host === c.host)!;
  return nodes
    .filter((x) => x !== self && (compareDistance(x.id, self.id, self.id) === 0 || ((x.id[0]! ^ self.id[1]!) & 7) === 0 || sharePrefix(x.id, self.id) >= 6))
    .sort((a, b) => compareDistance(a.id, b.id, target))
    .slice(0, 8);
}

function sharePrefix(a: Uint8Array, b: Uint8Array): number {
  let bits = 0;
  for (let i = 0; i < 20; i++) {
    const x = a[i]! ^ b[i]!;
    if (x === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(x) - 24;
  }
  return bits;
}

test('a lookup over a static network converges on the true k closest', () => {
  const nodes = network(2000, 1);
  const rb = seededBytes(2);
  for (let trial = 0; trial < 20; trial++) {
    const target = rb(20);
    const l = new Lookup(target);
    l.add(nodes.slice(trial * 8, trial * 8 + 8));
    let steps = 0;
    for (;;) {
      const batch = l.next();
      if (l.done) break;
      // alpha at a time, except the final round (up to k at once once the closest has answered)
      assert.ok(batch.length <= 8);
      const inflight: Candidate[] = [...batch];
      // answer one at a time, most recent first, to exercise ordering
      const c = inflight.pop() ?? (assert.fail('no query while not done') as never);
      l.responded(c, nodes.find((x) => x.host === c.host)!.id, answer(nodes, c, target));
      for (const other of inflight) l.responded(other, nodes.find((x) => x.host === other.host)!.id, answer(nodes, other, target));
      assert.ok(++steps < 500);
    }
    const truth = [...nodes].sort((a, b) => compareDistance(a.id, b.id, target)).slice(0, 8);
    const found = l.closestResponded(8);
    assert.equal(found.length, 8);
    const hits = found.filter((f) => truth.some((t) => idEquals(t.id, f.id!))).length;
    assert.ok(hits >= 7, `trial ${trial}: found ${hits}/8 of the true closest`);
    assert.ok(l.maxRound >= 2);
  }
});

test('once the closest candidate has answered, the rest of the k closest are queried together', () => {
  const target = new Uint8Array(20);
  const at = (d: number): NodeContact => ({ id: Uint8Array.of(d, ...new Uint8Array(19)), host: `10.1.0.${d}`, port: 6881 });
  const l = new Lookup(target, { k: 4, alpha: 2 });
  l.add([1, 2, 3, 4, 5, 6].map(at));
  const first = l.next();
  assert.deepEqual(first.map((c) => c.host), ['10.1.0.1', '10.1.0.2'], 'alpha = 2 while the search is still closing in');
  // a reply from a farther node does not end the search phase
  l.responded(first[1]!, at(2).id, []);
  assert.deepEqual(l.next().map((c) => c.host), ['10.1.0.3'], 'still alpha at a time');
  // the closest answers and names no one closer: query the rest of the k closest at once
  l.responded(first[0]!, at(1).id, []);
  assert.deepEqual(l.next().map((c) => c.host), ['10.1.0.4']);
  assert.equal(l.counts().inflight, 2);
  // a closer node appearing puts the search back to alpha at a time
  const l2 = new Lookup(target, { k: 5, alpha: 2 });
  l2.add([3, 4, 5, 6, 7, 8].map(at));
  const a = l2.next();
  l2.responded(a[0]!, at(3).id, [at(1)]);
  const b = l2.next();
  assert.deepEqual(b.map((c) => c.host), ['10.1.0.1'], 'the closer node is queried, alpha still bounds the search');
  l2.responded(b[0]!, at(1).id, []);
  assert.deepEqual(l2.next().map((c) => c.host), ['10.1.0.5', '10.1.0.6'], 'converged: the rest of the window at once');
  assert.ok(!l2.idleWithWork());
});

/** Runs a lookup whose closest candidate goes slow while the rest answer with no new nodes. */
function closestGoesSlow(opts: { wantsValues: boolean; valuesFrom?: number }): { l: Lookup; slow: Candidate; sorted: NodeContact[]; idOf: (c: Candidate) => Uint8Array } {
  const nodes = network(20, 3);
  const target = new Uint8Array(20);
  const sorted = [...nodes].sort((a, b) => compareDistance(a.id, b.id, target));
  const idOf = (c: Candidate): Uint8Array => nodes.find((x) => x.host === c.host)!.id;
  const l = new Lookup(target, { k: 2, alpha: 3, wantsValues: opts.wantsValues });
  l.add(sorted.slice(0, 6));
  const first = l.next();
  l.slow(first[0]!);
  let batch = [...first.slice(1), ...l.next()];
  for (let i = 0; i < 10 && batch.length > 0; i++) {
    for (const c of batch) {
      if (opts.valuesFrom !== undefined && c.host === sorted[opts.valuesFrom]!.host) l.foundValues();
      l.responded(c, idOf(c), []);
    }
    batch = l.next();
  }
  return { l, slow: first[0]!, sorted, idOf };
}

test('a lookup for values that found none waits for a slow query in the closest set; one that found some does not; find_node does not', () => {
  const waiting = closestGoesSlow({ wantsValues: true });
  assert.ok(!waiting.l.done);
  assert.equal(waiting.l.counts().inflight, 0);
  assert.ok(!waiting.l.idleWithWork());
  assert.ok(closestGoesSlow({ wantsValues: true, valuesFrom: 1 }).l.done, 'values in hand: no wait');
  assert.ok(closestGoesSlow({ wantsValues: false }).l.done, 'find_node: no wait');
});

test('a slow query frees its slot at once; a failure too; a slow one in the closest set is waited for', () => {
  const nodes = network(20, 3);
  const target = new Uint8Array(20);
  const sorted = [...nodes].sort((a, b) => compareDistance(a.id, b.id, target));
  const idOf = (c: Candidate): Uint8Array => nodes.find((x) => x.host === c.host)!.id;
  const l = new Lookup(target, { k: 2, alpha: 3, wantsValues: true });
  l.add(sorted.slice(0, 6));
  const first = l.next();
  assert.deepEqual(first.map((c) => c.host), sorted.slice(0, 3).map((c) => c.host));
  assert.deepEqual(l.next(), []);
  assert.ok(!l.idleWithWork());
  l.slow(first[0]!); // the closest candidate goes slow
  const second = l.next();
  assert.equal(second.length, 1, 'one new query replaces the slow one');
  l.failed(first[1]!);
  const third = l.next();
  assert.equal(third.length, 1);
  assert.ok(!l.idleWithWork());
  // everything else answers with no new nodes: the closest set is complete without the slow one
  let batch = [first[2]!, ...second, ...third];
  for (let i = 0; i < 10 && batch.length > 0; i++) {
    for (const c of batch) l.responded(c, idOf(c), []);
    batch = l.next();
  }
  assert.equal(l.counts().inflight, 0);
  assert.ok(!l.done, 'not done while the slow query closer than the k-th responder is outstanding');
  assert.ok(!l.idleWithWork(), 'and nothing is left unqueried meanwhile');
  // its late answer counts: it is now among the closest responders
  l.responded(first[0]!, idOf(first[0]!), []);
  assert.deepEqual(l.next(), []);
  assert.ok(l.done);
  assert.equal(l.closestResponded(1)[0]!.host, sorted[0]!.host);
});

test('a slow query that fully times out ends the wait; a slow one beyond the closest set is not waited for', () => {
  const nodes = network(20, 5);
  const target = new Uint8Array(20);
  const sorted = [...nodes].sort((a, b) => compareDistance(a.id, b.id, target));
  const idOf = (c: Candidate): Uint8Array => nodes.find((x) => x.host === c.host)!.id;
  // the closest goes slow and then fails
  const { l: a, slow } = closestGoesSlow({ wantsValues: true });
  assert.ok(!a.done);
  a.failed(slow);
  assert.deepEqual(a.next(), []);
  assert.ok(a.done);
  // the third closest goes slow: the two closest answer, so it cannot change the result
  const b = new Lookup(target, { k: 2, alpha: 3, wantsValues: true });
  b.add(sorted.slice(0, 3));
  const fb = b.next();
  b.slow(fb[2]!);
  b.next();
  b.responded(fb[0]!, idOf(fb[0]!), []);
  b.responded(fb[1]!, idOf(fb[1]!), []);
  assert.deepEqual(b.next(), []);
  assert.ok(b.done);
});

test('an empty lookup is done at once; bootstrap seeds without ids are queried first and re-sorted', () => {
  const empty = new Lookup(new Uint8Array(20));
  assert.deepEqual(empty.next(), []);
  assert.ok(empty.done);
  const nodes = network(10, 4);
  const l = new Lookup(new Uint8Array(20), { k: 3 });
  l.add([{ host: '192.0.2.1', port: 1 }]);
  l.add(nodes.slice(0, 2));
  const batch = l.next();
  assert.equal(batch[0]!.id, undefined);
  l.responded(batch[0]!, nodes[5]!.id, nodes.slice(2, 8));
  assert.ok(batch[0]!.id && idEquals(batch[0]!.id, nodes[5]!.id));
  const next = l.next();
  assert.ok(next.length >= 1);
  assert.equal(next[0]!.round, 2);
});

test('our own id is never a candidate; duplicates by id or address are ignored', () => {
  const nodes = network(5, 5);
  const l = new Lookup(new Uint8Array(20), { exclude: nodes[0]!.id });
  l.add(nodes);
  l.add(nodes);
  l.add([{ ...nodes[1]!, host: '192.0.2.99' }]);
  assert.equal(l.counts().new, 4);
});
