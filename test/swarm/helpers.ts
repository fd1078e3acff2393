// Compact state builders for swarm tests, in the spirit of libtorrent's test_piece_picker:
// availability strings ("1234011": piece i is announced by that many peers), have strings
// ("x..x...": x = piece verified) and peer bitfields ("xxx.x").
import { Bitfield } from '../../src/swarm/bitfield.js';
import { PiecePicker, type PiecePickerOptions } from '../../src/swarm/piece-picker.js';
import { xoshiro128ss } from '../../src/swarm/random.js';

export const BLOCK = 16384;

export function bits(s: string): Bitfield {
  const bf = new Bitfield(s.length);
  for (let i = 0; i < s.length; i++) if (s[i] !== '.' && s[i] !== ' ') bf.set(i);
  return bf;
}

export function str(bf: Bitfield): string {
  let s = '';
  for (let i = 0; i < bf.size; i++) s += bf.get(i) ? 'x' : '.';
  return s;
}

export interface Setup extends Partial<Omit<PiecePickerOptions, 'geometry' | 'random' | 'have'>> {
  /** Digits: availability of each piece (through phantom peers 'a0', 'a1', ...). */
  avail: string;
  /** 'x' = we have the piece. Default: nothing. */
  have?: string;
  /** Blocks per piece. Default 4. */
  blocks?: number;
  seed?: number;
}

/** A picker over avail.length pieces of `blocks` 16 KiB blocks, random-first disabled by default. */
export function setup(s: Setup): PiecePicker {
  const n = s.avail.length;
  const blocks = s.blocks ?? 4;
  const { avail, have, seed, ...rest } = s;
  const picker = new PiecePicker({
    geometry: { pieceCount: n, pieceLength: blocks * BLOCK, totalLength: n * blocks * BLOCK },
    random: xoshiro128ss(seed ?? 1),
    randomFirstPieces: 0,
    ...(have !== undefined ? { have: bits(have) } : {}),
    ...rest,
  });
  for (let i = 0; i < n; i++) {
    const a = Number(avail[i]);
    for (let k = 0; k < a; k++) picker.peerHave(`a${k}`, i);
  }
  return picker;
}

/** Everything: a seed's bitfield. */
export function all(n: number): Bitfield {
  return Bitfield.full(n);
}

/** Pieces of a list of requests, deduplicated, in order of first appearance. */
export function piecesOf(reqs: { piece: number }[]): number[] {
  const out: number[] = [];
  for (const r of reqs) if (!out.includes(r.piece)) out.push(r.piece);
  return out;
}
