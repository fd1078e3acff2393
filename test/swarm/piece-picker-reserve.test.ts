import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bitfield, PiecePicker, xoshiro128ss } from '../../src/swarm/index.js';

const geometry = { pieceCount: 4, pieceLength: 32768, totalLength: 4 * 32768 };

function picker(): PiecePicker {
  const p = new PiecePicker({ geometry, random: xoshiro128ss(1), randomFirstPieces: 0 });
  p.peerHaveAll('a');
  p.peerHaveAll('b');
  return p;
}

test('a reserved piece goes to its owner first and to nobody else', () => {
  const p = picker();
  p.reserve(2, 'b');
  const all = Bitfield.full(4);
  const forA = p.pickBlocks('a', all, 100);
  assert.ok(forA.every((r) => r.piece !== 2), 'a never gets piece 2');
  const forB = p.pickBlocks('b', all, 2);
  assert.deepEqual(forB.map((r) => r.piece), [2, 2], 'b gets piece 2 before anything else');
});

test('unreserve opens the piece again; verification ends the reservation', () => {
  const p = picker();
  p.reserve(1, 'b');
  p.unreserve(1);
  assert.equal(p.reservedFor(1), undefined);
  const blocks = p.pickBlocks('a', Bitfield.full(4), 100);
  assert.ok(blocks.some((r) => r.piece === 1));
  p.reserve(3, 'a');
  assert.deepEqual(p.reservationsOf('a'), [3]);
  for (const r of p.pickBlocks('a', Bitfield.full(4), 100).filter((x) => x.piece === 3)) p.blockReceived('a', r);
  p.pieceVerified(3);
  assert.equal(p.reservedFor(3), undefined);
});

test('a failed reserved piece stays reserved and is asked of its owner again', () => {
  const p = picker();
  const all = Bitfield.full(4);
  const first = p.pickBlocks('a', all, 2).filter((r) => r.piece === p.pickBlocks('a', all, 0)[0]?.piece || true);
  for (const r of first) p.blockReceived('a', r);
  const piece = (first[0] as { piece: number }).piece;
  p.reserve(piece, 'b');
  p.pieceFailed(piece);
  const again = p.pickBlocks('b', all, 2);
  assert.ok(again.every((r) => r.piece === piece));
  assert.ok(p.pickBlocks('a', all, 100).every((r) => r.piece !== piece));
});
