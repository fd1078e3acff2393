import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decode, encode, BencodeError, type BValue } from '../../src/bencode/index.js';

const bvalue: fc.Arbitrary<BValue> = fc.letrec<{ v: BValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.maxSafeInteger(),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('v'), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'binary-ascii', maxLength: 8 }), tie('v'), { maxKeys: 5 }).map(
      (o) => new Map(Object.entries(o)),
    ),
  ),
})).v;

test('decode(encode(x)) equals x and re-encodes to the same bytes', () => {
  fc.assert(
    fc.property(bvalue, (v) => {
      const bytes = encode(v);
      const back = decode(bytes);
      assert.deepEqual(normalise(back), normalise(v));
      assert.deepEqual(encode(back), bytes);
    }),
    { numRuns: 500 },
  );
});

test('arbitrary bytes only ever raise BencodeError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      for (const strict of [true, false]) {
        try {
          decode(bytes, { strict });
        } catch (e) {
          if (!(e instanceof BencodeError)) throw e;
        }
      }
    }),
    { numRuns: 2000 },
  );
});

test('mutated valid documents only ever raise BencodeError', () => {
  fc.assert(
    fc.property(bvalue, fc.nat(), fc.integer({ min: 0, max: 255 }), (v, at, byte) => {
      const bytes = Uint8Array.from(encode(v));
      if (bytes.length > 0) bytes[at % bytes.length] = byte;
      try {
        decode(bytes);
      } catch (e) {
        if (!(e instanceof BencodeError)) throw e;
      }
    }),
    { numRuns: 2000 },
  );
});

// Maps compare by insertion order in deepEqual; the decoder yields sorted order, so sort first.
function normalise(v: BValue): unknown {
  if (v instanceof Map) return [...v].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => [k, normalise(x)]);
  if (Array.isArray(v)) return v.map(normalise);
  if (v instanceof Uint8Array) return Array.from(v);
  return v;
}
