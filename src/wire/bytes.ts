// Big-endian integer access on plain Uint8Arrays, without a DataView per message (hot path).
// Callers check bounds first; these helpers do not.

export function readU32(b: Uint8Array, off: number): number {
  return (
    (b[off] as number) * 0x1000000 +
    (((b[off + 1] as number) << 16) | ((b[off + 2] as number) << 8) | (b[off + 3] as number))
  );
}

export function writeU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 24;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}

export function isU32(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}
