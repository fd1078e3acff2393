import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  detachMessage,
  decodeExtensionHandshake,
  decodeMessage,
  encodeExtensionHandshake,
  encodeHandshake,
  encodeMessage,
  WireDecoder,
  WireError,
  MessageId,
  type WireMessage,
} from '../../src/wire/index.js';
import { concat, plain, toHex } from './helpers.js';

const u32 = fc.nat({ max: 0xffffffff });
const bytes = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n });
const knownIds = new Set<number>(Object.values(MessageId));

const hashFields = fc.record({ piecesRoot: bytes(32), baseLayer: u32, index: u32, length: u32, proofLayers: u32 });

const message: fc.Arbitrary<WireMessage> = fc.oneof(
  fc.constantFrom<WireMessage>(
    { type: 'keep-alive' },
    { type: 'choke' },
    { type: 'unchoke' },
    { type: 'interested' },
    { type: 'not-interested' },
    { type: 'have-all' },
    { type: 'have-none' },
  ),
  fc.record({ type: fc.constantFrom('have' as const, 'suggest' as const, 'allowed-fast' as const), index: u32 }),
  fc.record({ type: fc.constant('bitfield' as const), bitfield: fc.uint8Array({ maxLength: 300 }) }),
  fc.record({ type: fc.constantFrom('request' as const, 'cancel' as const, 'reject' as const), index: u32, begin: u32, length: u32 }),
  fc.record({ type: fc.constant('piece' as const), index: u32, begin: u32, block: fc.uint8Array({ maxLength: 40000 }).map((b) => b.subarray(0, 32768)) }),
  fc.record({ type: fc.constant('port' as const), port: fc.nat({ max: 0xffff }) }),
  fc.record({ type: fc.constant('extended' as const), extendedId: fc.nat({ max: 255 }), payload: fc.uint8Array({ maxLength: 300 }) }),
  hashFields.map((f): WireMessage => ({ type: 'hash-request', ...f })),
  hashFields.map((f): WireMessage => ({ type: 'hash-reject', ...f })),
  fc.tuple(hashFields, fc.nat({ max: 20 })).chain(([f, n]) => bytes(32 * n).map((h): WireMessage => ({ type: 'hashes', ...f, hashes: h }))),
  fc.record({
    type: fc.constant('unknown' as const),
    id: fc.nat({ max: 255 }).filter((id) => !knownIds.has(id)),
    payload: fc.uint8Array({ maxLength: 100 }),
  }),
);

const handshake = fc.record({ type: fc.constant('handshake' as const), reserved: bytes(8), infoHash: bytes(20), peerId: bytes(20) });

/** Cuts `b` at the given points (taken modulo its length). */
function split(b: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (b.length === 0 ? 0 : c % (b.length + 1))))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(b.subarray(prev, p));
    prev = p;
  }
  out.push(b.subarray(prev));
  return out;
}

/** Writes a failing input under test/fixtures/corpus/wire/ so it becomes a regression case. */
function saveCounterexample(name: string, input: Uint8Array): void {
  const dir = 'test/fixtures/corpus/wire';
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/${name}-${toHex(input).slice(0, 16)}.bin`, input);
}

function onlyWireErrors(name: string, input: Uint8Array, f: () => void): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof WireError)) {
      saveCounterexample(name, input);
      throw e;
    }
  }
}

test('decodeMessage(encodeMessage(m)) equals m', () => {
  fc.assert(
    fc.property(message, (m) => {
      const enc = encodeMessage(m);
      const back = decodeMessage(enc);
      assert.deepEqual(plain(back), plain(m));
      assert.deepEqual(encodeMessage(back), enc);
    }),
    { numRuns: 1000 },
  );
});

test('any re-splitting of a stream gives the same messages', () => {
  fc.assert(
    fc.property(handshake, fc.array(message, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 30 }), (h, ms, cuts) => {
      const stream = concat([encodeHandshake(h), ...ms.map(encodeMessage)]);
      const expected = plain([h, ...ms]);
      const d = new WireDecoder();
      const got: WireMessage[] = [];
      for (const c of split(stream, cuts)) got.push(...d.push(c));
      d.end();
      assert.deepEqual(plain(got), expected);
    }),
    { numRuns: 300 },
  );
});

test('reuseBlockBuffers over a reused read buffer: messages detached at once equal the plain decode', () => {
  fc.assert(
    fc.property(handshake, fc.array(message, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 30 }), (h, ms, cuts) => {
      const stream = concat([encodeHandshake(h), ...ms.map(encodeMessage)]);
      const expected = plain([h, ...ms]);
      const d = new WireDecoder({ reuseBlockBuffers: true });
      const got: WireMessage[] = [];
      // Like a socket with Node's onread: every chunk arrives in the same memory.
      const mem = new Uint8Array(stream.length);
      for (const c of split(stream, cuts)) {
        mem.set(c);
        for (const m of d.push(mem.subarray(0, c.length))) got.push(detachMessage(m));
        mem.fill(0xa5);
      }
      d.end();
      assert.deepEqual(plain(got), expected);
    }),
    { numRuns: 300 },
  );
});

test('arbitrary bytes only ever raise WireError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 5 }), (input, cuts) => {
      for (const opts of [{ handshake: false }, { handshake: true }, { handshake: false, maxMessageLength: 40, maxBlockLength: 8, maxExtendedLength: 4 }]) {
        onlyWireErrors('decoder', input, () => {
          const d = new WireDecoder(opts);
          for (const c of split(input, cuts)) d.push(c);
          d.end();
        });
      }
      onlyWireErrors('message', input, () => decodeMessage(input));
      onlyWireErrors('ext-handshake', input, () => decodeExtensionHandshake(input));
    }),
    { numRuns: 3000 },
  );
});

test('mutated valid streams only ever raise WireError', () => {
  fc.assert(
    fc.property(fc.array(message, { minLength: 1, maxLength: 6 }), fc.nat(), fc.nat({ max: 255 }), (ms, at, byte) => {
      const stream = Uint8Array.from(concat(ms.map(encodeMessage)));
      if (stream.length > 0) stream[at % stream.length] = byte;
      onlyWireErrors('mutated', stream, () => {
        const d = new WireDecoder({ handshake: false });
        d.push(stream);
        d.end();
      });
    }),
    { numRuns: 1000 },
  );
});

test('extension handshakes round-trip and mutations only raise WireError', () => {
  const ext = fc.record(
    {
      m: fc.dictionary(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 }), fc.nat({ max: 255 }), { maxKeys: 8 }),
      v: fc.string({ maxLength: 20 }),
      p: fc.nat({ max: 0xffff }),
      yourip: fc.oneof(bytes(4), bytes(16)),
      reqq: fc.nat({ max: 100000 }),
      metadataSize: fc.nat({ max: 10_000_000 }),
      uploadOnly: fc.boolean(),
    },
    { requiredKeys: ['m'] },
  );
  fc.assert(
    fc.property(ext, fc.nat(), fc.nat({ max: 255 }), (h, at, byte) => {
      const enc = encodeExtensionHandshake(h);
      const back = decodeExtensionHandshake(enc);
      assert.deepEqual(encodeExtensionHandshake(back), enc);
      assert.deepEqual(back.m, new Map(Object.entries(h.m)));
      const mutated = Uint8Array.from(enc);
      mutated[at % mutated.length] = byte;
      onlyWireErrors('ext-handshake-mutated', mutated, () => decodeExtensionHandshake(mutated));
    }),
    { numRuns: 500 },
  );
});
