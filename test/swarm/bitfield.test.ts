import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bitfield } from '../../src/swarm/bitfield.js';
import { SwarmError } from '../../src/swarm/errors.js';
import { bits, str } from './helpers.js';

const code = (c: string) => (e: unknown): boolean => e instanceof SwarmError && e.code === c;

test('BEP 3 bit order: high bit of byte 0 is piece 0', () => {
  const bf = new Bitfield(10);
  bf.set(0);
  bf.set(7);
  bf.set(9);
  assert.deepEqual([...bf.toBytes()], [0x81, 0x40]);
  assert.equal(bf.count, 3);
  assert.deepEqual([...bf], [0, 7, 9]);
});

test('fromBytes round-trips and counts', () => {
  const bf = Bitfield.fromBytes(Uint8Array.of(0xf0, 0x80), 9);
  assert.equal(str(bf), 'xxxx....x');
  assert.equal(bf.count, 5);
  assert.deepEqual([...bf.toBytes()], [0xf0, 0x80]);
});

test('fromBytes rejects wrong length and spare bits', () => {
  assert.throws(() => Bitfield.fromBytes(Uint8Array.of(0xff), 9), code('SWARM_BITFIELD_LENGTH'));
  assert.throws(() => Bitfield.fromBytes(Uint8Array.of(0xff, 0, 0), 9), code('SWARM_BITFIELD_LENGTH'));
  assert.throws(() => Bitfield.fromBytes(Uint8Array.of(0xff, 0x40), 9), code('SWARM_BITFIELD_SPARE_BITS'));
  assert.throws(() => Bitfield.fromBytes(Uint8Array.of(0x01), 7), code('SWARM_BITFIELD_SPARE_BITS'));
  assert.equal(Bitfield.fromBytes(Uint8Array.of(0xff), 8).hasAll(), true);
  assert.equal(Bitfield.fromBytes(new Uint8Array(0), 0).count, 0);
});

test('set / clear report changes and keep the count', () => {
  const bf = new Bitfield(20);
  assert.equal(bf.isEmpty(), true);
  assert.equal(bf.set(5), true);
  assert.equal(bf.set(5), false);
  assert.equal(bf.count, 1);
  assert.equal(bf.clear(5), true);
  assert.equal(bf.clear(5), false);
  assert.equal(bf.count, 0);
  bf.setAll();
  assert.equal(bf.hasAll(), true);
  assert.equal(bf.count, 20);
  assert.deepEqual([...bf.toBytes()], [0xff, 0xff, 0xf0]);
  bf.clearAll();
  assert.equal(bf.isEmpty(), true);
});

test('index checks', () => {
  const bf = new Bitfield(8);
  for (const i of [-1, 8, 1.5, NaN, 2 ** 32]) assert.throws(() => bf.get(i), code('SWARM_INDEX_RANGE'));
  assert.throws(() => new Bitfield(-1), code('SWARM_BAD_ARGUMENT'));
});

test('nextSet / nextClear / forEachSet', () => {
  const bf = bits('..x.....' + '........' + '.x.x');
  assert.equal(bf.nextSet(0), 2);
  assert.equal(bf.nextSet(3), 17);
  assert.equal(bf.nextSet(18), 19);
  assert.equal(bf.nextSet(20), -1);
  assert.equal(bf.nextClear(0), 0);
  assert.equal(bf.nextClear(2), 3);
  const full = Bitfield.full(12);
  assert.equal(full.nextClear(0), -1); // spare bits are not pieces
  const seen: number[] = [];
  bf.forEachSet((i) => seen.push(i));
  assert.deepEqual(seen, [2, 17, 19]);
});

test('nextSetIn walks the bits set in both, like nextSet over the intersection', () => {
  const a = bits('..x.....' + 'x.......' + '.x.xx');
  const b = bits('..xx....' + '........' + 'xx..x');
  const both: number[] = [];
  for (let i = a.nextSetIn(b, 0); i !== -1; i = a.nextSetIn(b, i + 1)) both.push(i);
  assert.deepEqual(both, [2, 17, 20]);
  assert.equal(a.nextSetIn(b, 3), 17);
  assert.equal(a.nextSetIn(b, 21), -1);
  assert.equal(a.nextSetIn(b, -5), 2);
  assert.throws(() => a.nextSetIn(bits('x'), 0), code('SWARM_BAD_ARGUMENT'));
});

test('intersects / hasAnyNotIn / equals / clone', () => {
  const a = bits('xx..x');
  const b = bits('..x.x');
  assert.equal(a.intersects(b), true);
  assert.equal(a.intersects(bits('..xx.')), false);
  assert.equal(a.hasAnyNotIn(bits('xx..x')), false);
  assert.equal(a.hasAnyNotIn(b), true);
  const c = a.clone();
  assert.equal(c.equals(a), true);
  c.set(2);
  assert.equal(c.equals(a), false);
  assert.equal(a.count, 3);
  assert.throws(() => a.intersects(new Bitfield(6)), code('SWARM_BAD_ARGUMENT'));
});
