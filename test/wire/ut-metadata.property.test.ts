import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { decodeUtMetadata, encodeUtMetadata, metadataPieceCount, metadataPieceLength, UtMetadataError, type UtMetadataMessage } from '../../src/wire/index.js';
import { toHex } from './helpers.js';

function save(input: Uint8Array): void {
  const dir = 'test/fixtures/corpus/ut-metadata';
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/prop-${toHex(input).slice(0, 16)}.bin`, input);
}

function onlyOurErrors(input: Uint8Array): void {
  try {
    decodeUtMetadata(input);
  } catch (e) {
    if (!(e instanceof UtMetadataError)) {
      save(input);
      throw e;
    }
  }
}

const message: fc.Arbitrary<UtMetadataMessage> = fc.oneof(
  fc.record({ type: fc.constantFrom('request' as const, 'reject' as const), piece: fc.nat({ max: 2047 }) }),
  fc.integer({ min: 1, max: 100_000 }).chain((totalSize) =>
    fc.nat({ max: metadataPieceCount(totalSize) - 1 }).chain((piece) =>
      fc.uint8Array({ minLength: metadataPieceLength(totalSize, piece), maxLength: metadataPieceLength(totalSize, piece) })
        .map((data): UtMetadataMessage => ({ type: 'data', piece, totalSize, data })))),
);

test('decode(encode(m)) = m and exact bytes back', () => {
  fc.assert(fc.property(message, (m) => {
    const wire = encodeUtMetadata(m);
    const back = decodeUtMetadata(wire);
    assert.equal(toHex(encodeUtMetadata(back)), toHex(wire));
    assert.equal(back.type, m.type);
    assert.equal(back.piece, m.piece);
  }), { numRuns: 300 });
});

test('arbitrary bytes only raise UtMetadataError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => onlyOurErrors(b)), { numRuns: 2000 });
});

test('mutated valid messages only raise UtMetadataError', () => {
  const mutated = fc.tuple(message, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 4 }), fc.nat())
    .map(([m, edits, cut]) => {
      const w = encodeUtMetadata(m).slice();
      for (const [at, v] of edits) if (w.length > 0) w[at % w.length] = v;
      return w.subarray(0, w.length === 0 ? 0 : cut % (w.length + 1));
    });
  fc.assert(fc.property(mutated, (b) => onlyOurErrors(b)), { numRuns: 1000 });
});

test('bencode-shaped garbage only raises UtMetadataError', () => {
  const tok = fc.constantFrom('d', 'e', 'i', 'l', '8:msg_type', '5:piece', '10:total_size', 'i0e', 'i1e', 'i2e', 'i-1e', 'i99999999999999999e', '0:', 'xx');
  fc.assert(fc.property(fc.array(tok, { maxLength: 12 }), (parts) => onlyOurErrors(new TextEncoder().encode(parts.join('')))), { numRuns: 2000 });
});
