// Small statistics for the simulator's reports: quantiles, Spearman rank correlation (with tied
// ranks averaged), and the Kumar & Ross bounds for distributing a file to N peers.

/** The q-quantile (0..1) of `xs` by linear interpolation; NaN for an empty list. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = s[lo] as number;
  const b = s[hi] as number;
  return a + (b - a) * (pos - lo);
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Ranks 1..n, ties sharing their average rank. */
export function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => ({ x, i })).sort((a, b) => a.x - b.x);
  const out = new Array<number>(xs.length);
  for (let k = 0; k < order.length;) {
    let j = k;
    while (j + 1 < order.length && (order[j + 1] as { x: number }).x === (order[k] as { x: number }).x) j++;
    const r = (k + j) / 2 + 1;
    for (let m = k; m <= j; m++) out[(order[m] as { i: number }).i] = r;
    k = j + 1;
  }
  return out;
}

/** Pearson correlation; NaN when either side is constant. */
export function pearson(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return NaN;
  const mx = mean(xs.slice(0, n));
  const my = mean(ys.slice(0, n));
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** Spearman's rank correlation: Pearson over tied-averaged ranks. */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  return pearson(ranks(xs), ranks(ys));
}

export interface DistributionBounds {
  /** max{F/u_s, F/d_min, N*F/(u_s + sum u_i)} (Kumar & Ross), seconds. */
  readonly p2p: number;
  /** max{N*F/u_s, F/d_min}: the server uploads every copy itself, seconds. */
  readonly clientServer: number;
}

/**
 * Minimum distribution times of a file of `fileBytes` to the leechers (capacities in bytes/s)
 * from seeders of total upload `seedUpload`.
 */
export function distributionBounds(fileBytes: number, seedUpload: number,
  leechers: readonly { upload: number; download: number }[]): DistributionBounds {
  const n = leechers.length;
  let dMin = Infinity;
  let sumUp = 0;
  for (const l of leechers) {
    dMin = Math.min(dMin, l.download);
    sumUp += l.upload;
  }
  if (n === 0) return { p2p: 0, clientServer: 0 };
  const p2p = Math.max(fileBytes / seedUpload, fileBytes / dMin, (n * fileBytes) / (seedUpload + sumUp));
  const clientServer = Math.max((n * fileBytes) / seedUpload, fileBytes / dMin);
  return { p2p, clientServer };
}
