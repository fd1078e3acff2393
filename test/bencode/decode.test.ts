import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, decodeWithSpans, decodePrefix, encode, BencodeError, DictReader, type BValue } from '../../src/bencode/index.js';

const b = (s: string): Uint8Array => new TextEncoder().encode(s);

function rejects(input: string, code: string, opts = {}): void {
  assert.throws(() => decode(b(input), opts), (e: unknown) => e instanceof BencodeError && e.code === code, `${input} -> ${code}`);
}

test('decodes the four types', () => {
  const v = decode(b('d3:bari-42e3:fool4:spami0eee'));
  assert.ok(v instanceof Map);
  assert.equal(v.get('bar'), -42);
  assert.deepEqual(v.get('foo'), [b('spam'), 0]);
});

test('rejects non-canonical integers', () => {
  rejects('i03e', 'BENCODE_BAD_INTEGER');
  rejects('i-0e', 'BENCODE_BAD_INTEGER');
  rejects('i-01e', 'BENCODE_BAD_INTEGER');
  rejects('ie', 'BENCODE_BAD_INTEGER');
  rejects('i-e', 'BENCODE_BAD_INTEGER');
  rejects('i1x2e', 'BENCODE_BAD_INTEGER');
  rejects('i99999999999999999e', 'BENCODE_INTEGER_RANGE');
  rejects('i9007199254740993e', 'BENCODE_INTEGER_RANGE');
  assert.equal(decode(b('i9007199254740991e')), Number.MAX_SAFE_INTEGER);
});

test('rejects bad strings', () => {
  rejects('04:spam', 'BENCODE_BAD_STRING_LENGTH');
  rejects('5:spam', 'BENCODE_TRUNCATED');
  rejects('99999999999999999:x', 'BENCODE_BAD_STRING_LENGTH');
  rejects('4:spam', 'BENCODE_STRING_TOO_LONG', { maxStringLength: 3 });
});

test('rejects unsorted and duplicate keys in strict mode; tolerant mode accepts unsorted only', () => {
  rejects('d1:bi1e1:ai2ee', 'BENCODE_KEY_ORDER');
  rejects('d1:ai1e1:ai2ee', 'BENCODE_DUPLICATE_KEY');
  rejects('d1:ai1e1:ai2ee', 'BENCODE_DUPLICATE_KEY', { strict: false });
  const v = decode(b('d1:bi1e1:ai2ee'), { strict: false }) as Map<string, BValue>;
  assert.deepEqual([...v.keys()], ['b', 'a']);
  rejects('di1ei2ee', 'BENCODE_UNEXPECTED_BYTE');
});

test('rejects truncation, trailing bytes, junk', () => {
  rejects('', 'BENCODE_TRUNCATED');
  rejects('l', 'BENCODE_TRUNCATED');
  rejects('d3:foo', 'BENCODE_TRUNCATED');
  rejects('i1', 'BENCODE_TRUNCATED');
  rejects('i1ei2e', 'BENCODE_TRAILING_BYTES');
  rejects('x', 'BENCODE_UNEXPECTED_BYTE');
});

test('bounds depth and element count', () => {
  rejects('l'.repeat(100) + 'e'.repeat(100), 'BENCODE_TOO_DEEP');
  decode(b('l'.repeat(64) + 'e'.repeat(64)));
  rejects('l' + 'i1e'.repeat(11) + 'e', 'BENCODE_TOO_MANY_ELEMENTS', { maxElements: 10 });
  // A deep document far past the limit fails fast, without recursion trouble.
  rejects('l'.repeat(1_000_000), 'BENCODE_TOO_DEEP');
});

test('errors carry the byte offset', () => {
  try {
    decode(b('d3:fooi01ee'));
    assert.fail('expected error');
  } catch (e) {
    assert.ok(e instanceof BencodeError);
    assert.equal(e.offset, 6);
    assert.match(e.message, /at byte 6/);
  }
});

test('spans give the raw bytes of top-level values, even when non-canonical', () => {
  const src = b('d4:infod1:bi1e1:ai2ee3:zzzi0ee');
  const { spans } = decodeWithSpans(src, { strict: false });
  const [s, e] = spans.get('info') ?? [0, 0];
  assert.equal(new TextDecoder().decode(src.subarray(s, e)), 'd1:bi1e1:ai2ee');
});

test('decodePrefix stops after one value', () => {
  const r = decodePrefix(b('d1:ai1eeRAW'));
  assert.equal(r.end, 8);
});

test('encoder is canonical', () => {
  const m = new Map<string, BValue>([['b', 1], ['a', b('x')]]);
  assert.equal(new TextDecoder().decode(encode(m)), 'd1:a1:x1:bi1ee');
  assert.equal(new TextDecoder().decode(encode({ z: [1, 'é'], a: -0 })), 'd1:ai0e1:zli1e2:\u00c3\u00a9ee'.replace(/\u00c3\u00a9/, 'é'));
  assert.throws(() => encode(1.5), BencodeError);
  assert.throws(() => encode(new Map([['\u0100', 1]])), BencodeError);
});

test('DictReader names the field path', () => {
  const d = DictReader.of(decode(b('d4:infod6:lengthi-1e4:name3:abcee')), '');
  const info = d.dictAt('info');
  assert.equal(info.int('length'), -1);
  assert.throws(() => info.str('missing'), /info\.missing: required a byte string is missing/);
  assert.throws(() => info.list('length'), /info\.length: expected a list, found an integer/);
});
