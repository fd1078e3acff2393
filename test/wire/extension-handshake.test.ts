import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeExtensionHandshake, encodeExtensionHandshake, WireError } from '../../src/wire/index.js';
import { hex } from './helpers.js';

const te = new TextEncoder();
const b = (s: string): Uint8Array => te.encode(s);

function bad(input: Uint8Array | string, opts = {}): void {
  const bytes = typeof input === 'string' ? b(input) : input;
  assert.throws(
    () => decodeExtensionHandshake(bytes, opts),
    (e: unknown) => e instanceof WireError && e.code === 'WIRE_BAD_EXTENSION_HANDSHAKE',
    typeof input === 'string' ? input : 'bytes',
  );
}

test('decodes the BEP 10 example (keys sorted)', () => {
  const h = decodeExtensionHandshake(b('d1:md11:LT_metadatai1e6:ut_pexi2ee1:pi6881e1:v13:\u00b5Torrent 1.2e'));
  assert.deepEqual([...h.m], [['LT_metadata', 1], ['ut_pex', 2]]);
  assert.equal(h.p, 6881);
  assert.equal(h.v, 'µTorrent 1.2');
  assert.equal(h.extra.size, 0);
});

test('typed fields, unknown keys kept, and a byte-exact round trip', () => {
  const bytes = encodeExtensionHandshake({
    m: { ut_metadata: 3, ut_pex: 1, lt_donthave: 0 },
    v: 'shoal 0.1.0',
    p: 51413,
    yourip: hex('7f000001'),
    ipv4: hex('0a000001'),
    ipv6: hex('00000000000000000000000000000001'),
    reqq: 500,
    metadataSize: 31337,
    uploadOnly: true,
    extra: new Map([['e', 1], ['complete_ago', 12]]),
  });
  const h = decodeExtensionHandshake(bytes);
  assert.equal(h.m.get('ut_metadata'), 3);
  assert.equal(h.m.get('lt_donthave'), 0);
  assert.equal(h.v, 'shoal 0.1.0');
  assert.equal(h.p, 51413);
  assert.deepEqual(h.yourip, hex('7f000001'));
  assert.deepEqual(h.ipv4, hex('0a000001'));
  assert.equal(h.ipv6?.length, 16);
  assert.equal(h.reqq, 500);
  assert.equal(h.metadataSize, 31337);
  assert.equal(h.uploadOnly, true);
  assert.deepEqual([...h.extra], [['complete_ago', 12], ['e', 1]]);
  assert.deepEqual(encodeExtensionHandshake(h), bytes);
});

test('all keys are optional; an empty dict is valid', () => {
  const h = decodeExtensionHandshake(b('de'));
  assert.equal(h.m.size, 0);
  assert.equal(h.v, undefined);
  assert.equal(new TextDecoder().decode(encodeExtensionHandshake({})), 'd1:mdee');
});

test('v is decoded leniently (display only)', () => {
  assert.equal(decodeExtensionHandshake(hex('64313a76323aff41 65')).v, '\ufffdA');
});

test('bad input raises WIRE_BAD_EXTENSION_HANDSHAKE', () => {
  bad('');
  bad('le');
  bad('i1e');
  bad('d1:mi1ee'); // m not a dict
  bad('d1:md3:fooi256eee'); // id out of range
  bad('d1:md3:fooi-1eee');
  bad('d1:md3:foo3:abcee'); // id not an integer
  bad('d1:pi65536ee');
  bad('d1:p3:abce');
  bad('d6:yourip3:abce');
  bad('d4:ipv416:0123456789abcdefe');
  bad('d4:ipv64:abcde');
  bad('d4:reqqi-1ee');
  bad('d13:metadata_sizei-5ee');
  bad('d11:upload_only1:1e');
  bad('d1:v1:a1:pi1ee'); // keys out of order (strict)
  bad('d1:pi1e1:pi2ee'); // duplicate key
  bad('d1:md1:ai1e1:bi2e1:ci3eee', { maxExtensions: 2 });
  bad('d1:pi1eee'); // trailing bytes
  assert.equal(decodeExtensionHandshake(b('d1:v1:a1:pi1ee'), { strict: false }).p, 1);
});

test('the error names the field', () => {
  try {
    decodeExtensionHandshake(b('d1:md6:ut_pexi300eee'));
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof WireError);
    assert.match(e.message, /m\.ut_pex/);
  }
});

test('encode refuses ids outside 0..255', () => {
  assert.throws(() => encodeExtensionHandshake({ m: { x: 256 } }), (e: unknown) => e instanceof WireError && e.code === 'WIRE_BAD_ARGUMENT');
});
