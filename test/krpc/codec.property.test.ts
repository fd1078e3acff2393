import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { decodeKrpc, encodeKrpc, encodeKrpcReference, KrpcError, type KrpcAddress, type KrpcMessage, type NodeContact } from '../../src/krpc/index.js';
import type { BValue } from '../../src/bencode/index.js';

const corpusDir = 'test/fixtures/corpus/krpc';
const bytes = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n });
const id = bytes(20);
const tid = fc.uint8Array({ maxLength: 8 });
const port = fc.nat({ max: 65535 });
const v4 = fc.ipV4();
const v6 = bytes(16).map((b) => {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push((((b[i] as number) << 8) | (b[i + 1] as number)).toString(16));
  return g.join(':');
});
const canonicalV6 = v6.map((h) => decodeKrpc(encodeKrpc({ y: 'e', t: new Uint8Array(0), code: 1, message: '', ip: { host: h, port: 1 } })))
  .map((m) => (m.y === 'e' ? (m.ip as KrpcAddress).host : ''))
  .filter((h) => h.includes(':'));
const addr4: fc.Arbitrary<KrpcAddress> = fc.record({ host: v4, port });
const addr6: fc.Arbitrary<KrpcAddress> = fc.record({ host: canonicalV6, port });
const node4: fc.Arbitrary<NodeContact> = fc.record({ id, host: v4, port });
const node6: fc.Arbitrary<NodeContact> = fc.record({ id, host: canonicalV6, port });
const want = fc.option(fc.record({ n4: fc.boolean(), n6: fc.boolean() }), { nil: undefined });
const version = fc.option(bytes(4), { nil: undefined });
const value: fc.Arbitrary<BValue> = fc.letrec<{ v: BValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.integer({ min: -1e9, max: 1e9 }),
    fc.uint8Array({ maxLength: 30 }),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'grapheme-ascii', maxLength: 6 }), tie('v'), { maxKeys: 4 }).map((o) => new Map(Object.entries(o))),
  ),
})).v;

const common = { t: tid, id, v: version };
const query: fc.Arbitrary<KrpcMessage> = fc.oneof(
  fc.record({ ...common, y: fc.constant('q' as const), q: fc.constant('ping' as const), ro: fc.option(fc.constant(true), { nil: undefined }) }),
  fc.record({ ...common, y: fc.constant('q' as const), q: fc.constant('find_node' as const), target: id, want }),
  fc.record({ ...common, y: fc.constant('q' as const), q: fc.constant('get_peers' as const), infoHash: id, want }),
  fc.record({
    ...common, y: fc.constant('q' as const), q: fc.constant('announce_peer' as const), infoHash: id, port,
    impliedPort: fc.boolean(), token: fc.uint8Array({ maxLength: 20 }), seed: fc.option(fc.boolean(), { nil: undefined }),
  }),
  fc.record({ ...common, y: fc.constant('q' as const), q: fc.constant('sample_infohashes' as const), target: id, want }),
  fc.record({ ...common, y: fc.constant('q' as const), q: fc.constant('get' as const), target: id, seq: fc.option(fc.nat(), { nil: undefined }), want }),
  fc.record({
    ...common, y: fc.constant('q' as const), q: fc.constant('put' as const), token: fc.uint8Array({ maxLength: 20 }), value,
    k: fc.option(bytes(32), { nil: undefined }), seq: fc.option(fc.nat(), { nil: undefined }), sig: fc.option(bytes(64), { nil: undefined }),
    salt: fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 }), { nil: undefined }), cas: fc.option(fc.nat(), { nil: undefined }),
  }),
);
const response: fc.Arbitrary<KrpcMessage> = fc.record({
  y: fc.constant('r' as const),
  t: tid,
  v: version,
  ip: fc.option(fc.oneof(addr4, addr6), { nil: undefined }),
  r: fc.record(
    {
      id,
      nodes: fc.array(node4, { maxLength: 8 }),
      nodes6: fc.array(node6, { maxLength: 8 }),
      token: fc.uint8Array({ maxLength: 20 }),
      values: fc.array(fc.oneof(addr4, addr6), { maxLength: 20 }),
      samples: fc.array(id, { maxLength: 5 }),
      num: fc.nat(),
      interval: fc.nat({ max: 21600 }),
      v: value,
      k: bytes(32),
      seq: fc.nat(),
      sig: bytes(64),
    },
    { requiredKeys: ['id'] },
  ),
});
const error: fc.Arbitrary<KrpcMessage> = fc.record({
  y: fc.constant('e' as const), t: tid, v: version, code: fc.integer({ min: 0, max: 999 }),
  message: fc.string({ unit: 'grapheme-ascii', maxLength: 40 }), ip: fc.option(addr4, { nil: undefined }),
});
const message = fc.oneof(query, response, error);

function save(name: string, input: Uint8Array): void {
  mkdirSync(corpusDir, { recursive: true });
  writeFileSync(`${corpusDir}/${name}-${Buffer.from(input).toString('hex').slice(0, 16)}.bin`, input);
}

function onlyKrpcErrors(name: string, input: Uint8Array): void {
  try {
    const m = decodeKrpc(input);
    // whatever decodes must re-encode and decode to the same bytes
    const enc = encodeKrpc(m);
    assert.deepEqual(encodeKrpc(decodeKrpc(enc)), enc);
  } catch (e) {
    if (!(e instanceof KrpcError)) {
      save(name, input);
      throw e;
    }
  }
}

test('decode(encode(m)) re-encodes to the same bytes, and keeps every field', () => {
  fc.assert(
    fc.property(message, (m) => {
      const enc = encodeKrpc(m);
      assert.deepEqual(enc, encodeKrpcReference(m), 'the fast writer matches the general bencode encoder');
      const back = decodeKrpc(enc);
      assert.deepEqual(encodeKrpc(back), enc);
      assert.equal(back.y, m.y);
      assert.deepEqual(back.t, m.t);
      if (m.y === 'r' && back.y === 'r') {
        assert.deepEqual(back.r.nodes, structuredClone(m.r.nodes));
        assert.deepEqual(back.r.values, structuredClone(m.r.values));
        assert.deepEqual(back.ip, structuredClone(m.ip));
      }
    }),
    { numRuns: 1500 },
  );
});

test('arbitrary bytes only ever raise KrpcError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (input) => onlyKrpcErrors('random', input)), { numRuns: 3000 });
});

test('mutated valid messages only ever raise KrpcError', () => {
  fc.assert(
    fc.property(message, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 3 }), fc.nat(), (m, edits, cut) => {
      const enc = Uint8Array.from(encodeKrpc(m));
      for (const [at, byte] of edits) enc[at % enc.length] = byte;
      onlyKrpcErrors('mutated', enc);
      onlyKrpcErrors('truncated', enc.subarray(0, cut % (enc.length + 1)));
    }),
    { numRuns: 2000 },
  );
});

test('corpus inputs only ever raise KrpcError', () => {
  const files = readdirSync(corpusDir).filter((f) => f.endsWith('.bin'));
  assert.ok(files.length > 0);
  for (const f of files) {
    const input = new Uint8Array(readFileSync(`${corpusDir}/${f}`));
    try {
      decodeKrpc(input);
    } catch (e) {
      assert.ok(e instanceof KrpcError, `${f}: ${String(e)}`);
    }
  }
});
