// Shared helpers for the DHT tests: seeded bytes, ids from small integers, hex.
import { xoshiro128ss } from '../../../src/swarm/random.js';

export function seededBytes(seed: number): (n: number) => Uint8Array {
  const r = xoshiro128ss(seed);
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(r() * 256);
    return out;
  };
}

export function hexId(hex: string): Uint8Array {
  const h = hex.padEnd(40, '0');
  return Uint8Array.from(Buffer.from(h, 'hex'));
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
