import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CorruptionLedger } from '../../src/session/corruption-ledger.js';

const B = 4;
const good = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
const honest = { key: 'a#1', ip: '127.0.0.1' };
const liar = { key: 'b#2', ip: '127.0.0.2' };

test('the sender of the block that differs from the verified copy is named', () => {
  const l = new CorruptionLedger(B);
  const bad = good.slice();
  bad[5] = 99; // block 1
  l.recordFailure(3, bad, [honest, liar, honest]);
  assert.deepEqual(l.liars(3, good), [liar]);
  assert.deepEqual(l.liars(3, good), [], 'the record is consumed');
});

test('unknown senders are skipped and other pieces are unaffected', () => {
  const l = new CorruptionLedger(B);
  const bad = good.slice();
  bad[0] = 0;
  l.recordFailure(1, bad, [undefined, liar, honest]);
  assert.deepEqual(l.liars(2, good), []);
  assert.deepEqual(l.liars(1, good), []);
});

test('records per piece are bounded', () => {
  const l = new CorruptionLedger(B);
  const bad = good.slice();
  bad[9] = 0;
  for (let i = 0; i < 10; i++) l.recordFailure(0, bad, [honest, honest, { key: `x#${i}`, ip: `127.0.0.${i + 10}` }]);
  assert.equal(l.liars(0, good).length, 4);
});
