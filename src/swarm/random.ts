// Seeded pseudo-random numbers for tests and the deterministic simulator.
//
// Every swarm state machine takes a `random: () => number` (uniform in [0, 1)) instead of calling
// Math.random, so a run is reproducible from one seed. `xoshiro128ss` is xoshiro128** (Blackman &
// Vigna): 128 bits of state, period 2^128 - 1, fast in 32-bit integer arithmetic, and good enough
// for simulations (not for cryptography). The seed is expanded with splitmix32 so that nearby seeds
// (1, 2, 3...) still give unrelated streams.

/** A source of uniform numbers in [0, 1), like Math.random. */
export type Random = () => number;

/** xoshiro128** seeded from a 32-bit integer. Returns a Random. */
export function xoshiro128ss(seed: number): Random {
  let z = seed >>> 0;
  const next32 = (): number => {
    // splitmix32: only used to fill the state from the seed.
    z = (z + 0x9e3779b9) >>> 0;
    let t = z;
    t = Math.imul(t ^ (t >>> 16), 0x85ebca6b);
    t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35);
    return (t ^ (t >>> 16)) >>> 0;
  };
  let a = next32();
  let b = next32();
  let c = next32();
  let d = next32();
  if ((a | b | c | d) === 0) a = 1; // the all-zero state is a fixed point
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result / 4294967296;
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A uniform integer in [0, n) drawn from `random`. `n` must be a positive integer. */
export function randomInt(random: Random, n: number): number {
  const r = Math.floor(random() * n);
  // Guard against a Random that returns exactly 1 (it should not, but a hand-written stub might).
  return r >= n ? n - 1 : r;
}

/** Shuffles `items` in place (Fisher-Yates) and returns it. */
export function shuffle<T>(random: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
}
