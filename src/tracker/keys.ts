// Byte strings as Map keys: a latin1 string has one char per byte, so it is a lossless and cheap key.
// Buffer's latin1Slice works on any Uint8Array view without copying it into a Buffer first.

const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (this: Uint8Array, s: number, e: number) => string })
  .latin1Slice;

export function bytesKey(b: Uint8Array): string {
  return latin1Slice.call(b, 0, b.length);
}

export function keyToBytes(k: string): Uint8Array {
  const out = new Uint8Array(k.length);
  for (let i = 0; i < k.length; i++) out[i] = k.charCodeAt(i);
  return out;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
