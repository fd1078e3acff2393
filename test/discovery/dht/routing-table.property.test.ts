import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RoutingTable } from '../../../src/discovery/dht/routing-table.js';
import { commonPrefixBits, compareDistance, idEquals } from '../../../src/discovery/dht/node-id.js';

const id = fc.uint8Array({ minLength: 20, maxLength: 20 });
// ids near our own (sharing a random prefix) so that deep buckets are exercised
const op = fc.oneof(
  fc.record({ kind: fc.constantFrom('response' as const, 'query' as const, 'restored' as const), id, prefix: fc.nat({ max: 40 }), host: fc.nat({ max: 3 }), dt: fc.nat({ max: 5 * 60_000 }) }),
  fc.record({ kind: fc.constant('fail' as const), pick: fc.nat(), dt: fc.nat({ max: 60_000 }) }),
);

function withPrefix(own: Uint8Array, x: Uint8Array, bits: number): Uint8Array {
  const out = Uint8Array.from(x);
  for (let b = 0; b < bits; b++) {
    const byte = b >> 3;
    const mask = 0x80 >> (b & 7);
    out[byte] = (out[byte]! & ~mask) | (own[byte]! & mask);
  }
  return out;
}

test('routing table invariants hold under any sequence of updates and failures', () => {
  fc.assert(
    fc.property(id, fc.array(op, { maxLength: 300 }), fc.array(id, { minLength: 1, maxLength: 5 }), (own, ops, targets) => {
      const t = new RoutingTable(own, 0);
      let now = 0;
      const seen: Uint8Array[] = [];
      for (const o of ops) {
        now += o.dt;
        if (o.kind === 'fail') {
          const victim = seen[o.pick % Math.max(1, seen.length)];
          if (victim) t.failed(victim, now);
        } else {
          const nid = withPrefix(own, o.id, o.prefix);
          seen.push(nid);
          t.update({ id: nid, host: `10.0.0.${o.host}`, port: 1 }, o.kind, now);
        }
      }
      const all = t.all();
      assert.equal(all.length, t.size);
      // no duplicates, never our own id
      for (let i = 0; i < all.length; i++) {
        assert.ok(!idEquals(all[i]!.id, own));
        for (let j = i + 1; j < all.length; j++) assert.ok(!idEquals(all[i]!.id, all[j]!.id));
      }
      // every bucket holds at most k nodes of the right prefix length
      const perBucket = new Map<number, number>();
      const last = t.bucketCount - 1;
      for (const n of all) {
        const b = Math.min(commonPrefixBits(own, n.id), last);
        perBucket.set(b, (perBucket.get(b) ?? 0) + 1);
      }
      for (const c of perBucket.values()) assert.ok(c <= t.k);
      // closest() equals a brute-force sort of the eligible nodes
      for (const target of targets) {
        const got = t.closest(target, 8, { includeUnverified: true }).map((n) => n.id);
        const want = all
          .filter((n) => t.state(n, now) !== 'bad')
          .sort((a, b) => compareDistance(a.id, b.id, target))
          .slice(0, 8)
          .map((n) => n.id);
        assert.deepEqual(got, want);
      }
    }),
    { numRuns: 300 },
  );
});
