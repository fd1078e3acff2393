import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { decodeUtPex, encodeUtPex, pexKey, PexState, UtPexError, type PexAddress, type PexPeer } from '../../src/wire/index.js';
import { toHex } from './helpers.js';

function onlyOurErrors(input: Uint8Array): void {
  try {
    decodeUtPex(input);
  } catch (e) {
    if (!(e instanceof UtPexError)) {
      const dir = 'test/fixtures/corpus/ut-pex';
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}/prop-${toHex(input).slice(0, 16)}.bin`, input);
      throw e;
    }
  }
}

const port = fc.integer({ min: 1, max: 65535 });
const v6 = fc.uint8Array({ minLength: 16, maxLength: 16 })
  .filter((b) => !(b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff))
  .map((b) => {
    const g: string[] = [];
    for (let i = 0; i < 16; i += 2) g.push((((b[i] as number) << 8) | (b[i + 1] as number)).toString(16));
    return g.join(':');
  });
const addr: fc.Arbitrary<PexAddress> = fc.record({ host: fc.oneof(fc.ipV4(), v6), port });
const peer: fc.Arbitrary<PexPeer> = fc.record({ host: fc.oneof(fc.ipV4(), v6), port, flags: fc.nat({ max: 255 }) });

/** Unique contacts, IPv4 first (the order decode reports), none both added and dropped. */
const message = fc.tuple(fc.uniqueArray(peer, { maxLength: 50, selector: (p) => pexKey(p) }), fc.uniqueArray(addr, { maxLength: 50, selector: (p) => pexKey(p) }))
  .map(([added, dropped]) => {
    const keys = new Set(added.map((p) => pexKey(p)));
    const v4first = <T extends PexAddress>(xs: T[]): T[] => [...xs.filter((x) => !x.host.includes(':')), ...xs.filter((x) => x.host.includes(':'))];
    return { added: v4first(added), dropped: v4first(dropped.filter((d) => !keys.has(pexKey(d)))) };
  });

const canon = (xs: readonly PexAddress[]): string[] => xs.map((x) => pexKey(x) as string);

test('decode(encode(m)) = m (canonical address text) and exact bytes back', () => {
  fc.assert(fc.property(message, (m) => {
    const wire = encodeUtPex(m);
    const back = decodeUtPex(wire);
    assert.deepEqual(canon(back.added), canon(m.added));
    assert.deepEqual(back.added.map((p) => p.flags), m.added.map((p) => p.flags));
    assert.deepEqual(canon(back.dropped), canon(m.dropped));
    assert.equal(toHex(encodeUtPex(back)), toHex(wire));
  }), { numRuns: 200 });
});

test('arbitrary and bencode-shaped bytes only raise UtPexError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), onlyOurErrors), { numRuns: 2000 });
  const tok = fc.oneof(
    fc.constantFrom('d', 'e', 'l', 'i1e', '5:added', '7:added.f', '6:added6', '8:added6.f', '7:dropped', '8:dropped6', '0:'),
    fc.uint8Array({ maxLength: 40 }).map((b) => `${b.length}:${String.fromCharCode(...b)}`),
  );
  fc.assert(fc.property(fc.array(tok, { maxLength: 10 }), (parts) => onlyOurErrors(Uint8Array.from(parts.join(''), (c) => c.charCodeAt(0) & 0xff))), { numRuns: 2000 });
});

test('PexState invariants: bounded, no duplicates, never added and dropped at once, converges to the live set', () => {
  const pool = Array.from({ length: 150 }, (_, i): PexPeer => ({ host: `10.1.${i >> 8}.${i & 0xff}`, port: 6881, flags: 0 }));
  fc.assert(fc.property(fc.array(fc.tuple(fc.subarray(pool), fc.integer({ min: 0, max: 90_000 })), { minLength: 1, maxLength: 30 }), (steps) => {
    const s = new PexState();
    const believed = new Set<string>();
    let now = 0;
    let last = -Infinity;
    let live: PexPeer[] = [];
    for (const [set, dt] of steps) {
      now += dt;
      live = set;
      const m = s.next(live, now);
      if (!m) continue;
      assert.ok(now - last >= 60_000);
      last = now;
      assert.ok(m.added.length <= 50 && m.dropped.length <= 50);
      encodeUtPex(m); // throws on duplicates or added-and-dropped
      for (const p of m.added) {
        assert.ok(!believed.has(pexKey(p) as string));
        believed.add(pexKey(p) as string);
      }
      for (const p of m.dropped) assert.ok(believed.delete(pexKey(p) as string));
    }
    // Enough quiet minutes later the remote's view equals the live set.
    for (let i = 0; i < 6; i++) {
      now += 60_000;
      const m = s.next(live, now);
      if (!m) continue;
      for (const p of m.added) believed.add(pexKey(p) as string);
      for (const p of m.dropped) believed.delete(pexKey(p) as string);
    }
    assert.deepEqual([...believed].sort(), live.map((p) => pexKey(p) as string).sort());
  }), { numRuns: 200 });
});
