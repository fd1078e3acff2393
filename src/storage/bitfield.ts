// Piece bitfields as plain Uint8Arrays in BEP 3 bit order: the high bit of byte 0 is piece 0.
// Spare bits past the last piece are always zero (peers drop connections over set spare bits).

export function createBitfield(pieceCount: number): Uint8Array {
  return new Uint8Array(Math.ceil(pieceCount / 8));
}

export function hasPiece(bitfield: Uint8Array, piece: number): boolean {
  const byte = bitfield[piece >>> 3];
  return byte !== undefined && (byte & (0x80 >>> (piece & 7))) !== 0;
}

export function setPiece(bitfield: Uint8Array, piece: number, value = true): void {
  const i = piece >>> 3;
  const byte = bitfield[i];
  if (byte === undefined) return;
  const mask = 0x80 >>> (piece & 7);
  bitfield[i] = value ? byte | mask : byte & ~mask;
}

export function countPieces(bitfield: Uint8Array): number {
  let n = 0;
  for (let b of bitfield) {
    while (b !== 0) {
      b &= b - 1;
      n++;
    }
  }
  return n;
}

/** True when the bitfield has the right length for `pieceCount` and no spare bit is set. */
export function isValidBitfield(bitfield: Uint8Array, pieceCount: number): boolean {
  if (bitfield.length !== Math.ceil(pieceCount / 8)) return false;
  const spare = bitfield.length * 8 - pieceCount;
  if (spare === 0) return true;
  const last = bitfield[bitfield.length - 1] as number;
  return (last & ((1 << spare) - 1)) === 0;
}
