// Shared helpers of the wire tests.
export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function fill(n: number, byte: number): Uint8Array {
  return new Uint8Array(n).fill(byte);
}

/** Plain copies of messages so deepEqual compares contents, not which buffer a view points into. */
export function plain(m: unknown): unknown {
  if (m instanceof Uint8Array) return toHex(m);
  if (m instanceof Map) return new Map([...m].map(([k, v]) => [k, plain(v)]));
  if (Array.isArray(m)) return m.map(plain);
  if (typeof m === 'object' && m !== null) {
    return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, plain(v)]));
  }
  return m;
}
