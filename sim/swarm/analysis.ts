// Figures derived from a simulation result: download times, their distribution, completion
// curves, utilization and availability series, the end-game profile and duplicate bytes.
import type { PeerRecord } from './peer.js';
import type { SimResult } from './simulation.js';
import { distributionBounds, median, quantile, type DistributionBounds } from './stats.js';

export function leechers(r: SimResult): PeerRecord[] {
  return r.peers.filter((p) => p.kind === 'leecher');
}

/** Seconds from arrival to completion, of the leechers that completed (optionally filtered). */
export function downloadTimes(r: SimResult, filter: (p: PeerRecord) => boolean = () => true): number[] {
  const out: number[] = [];
  for (const p of leechers(r)) if (filter(p) && p.completeAt !== undefined) out.push((p.completeAt - p.arriveAt) / 1000);
  return out;
}

/** The empirical CDF as [x, fraction] points (fraction of `total`, default the list's length). */
export function cdf(xs: readonly number[], total = xs.length): [number, number][] {
  const s = [...xs].sort((a, b) => a - b);
  const out: [number, number][] = [[0, 0]];
  s.forEach((x, i) => out.push([x, (i + 1) / Math.max(1, total)]));
  return out;
}

/** Fraction of all leechers complete against virtual time (s). */
export function completionCurve(r: SimResult): [number, number][] {
  const ls = leechers(r);
  const done = ls.filter((p) => p.completeAt !== undefined).map((p) => (p.completeAt as number) / 1000);
  return cdf(done, ls.length);
}

export function series(r: SimResult, pick: (s: SimResult['samples'][number]) => number): [number, number][] {
  return r.samples.map((s) => [s.t / 1000, pick(s)]);
}

/** First sample time (s) at which swarm progress reached `fraction`, or NaN. */
export function progressTime(r: SimResult, fraction: number): number {
  const s = r.samples.find((x) => x.progress >= fraction);
  return s ? s.t / 1000 : NaN;
}

/** Mean upload utilization (or another sampled figure) over the samples whose progress lies in [lo, hi]. */
export function utilizationBetween(r: SimResult, lo: number, hi: number,
  pick: (s: SimResult['samples'][number]) => number = (s) => s.utilization): number {
  let sum = 0;
  let n = 0;
  let prev = 0;
  for (const s of r.samples) {
    // A sample covers the period before it: count it if progress was in range during it.
    if (prev >= lo && s.progress <= hi + 1e-9) {
      sum += pick(s);
      n++;
    }
    prev = s.progress;
  }
  return n > 0 ? sum / n : NaN;
}

/** Kumar & Ross bounds for this run's leechers (a free-rider uploads nothing). */
export function bounds(r: SimResult): DistributionBounds {
  const caps = leechers(r).map((p) => ({ upload: p.freeRider ? 0 : p.upload, download: p.download }));
  const seedUp = r.config.seeders.count * r.config.seeders.upload;
  return distributionBounds(r.fileBytes, seedUp, caps);
}

/** Bytes received that were not needed (end-game and timed-out duplicates) / all bytes received. */
export function duplicateRatio(r: SimResult): number {
  let wasted = 0;
  let got = 0;
  for (const p of leechers(r)) {
    wasted += p.wasted;
    got += p.downloaded;
  }
  return got > 0 ? wasted / got : 0;
}

/** Per completed peer: time of its last 1% of pieces / median time of its 1% steps. */
export function endgameRatios(r: SimResult): number[] {
  const out: number[] = [];
  for (const p of leechers(r)) {
    if (p.completeAt === undefined) continue;
    const steps = stepTimes(p);
    if (steps.length !== 100) continue;
    const med = median(steps);
    if (med > 0) out.push((steps[99] as number) / med);
  }
  return out;
}

/** Median over completed peers of the time each 1% step took (s), index 0 = first 1%. */
export function stepProfile(r: SimResult): number[] {
  const per: number[][] = Array.from({ length: 100 }, () => []);
  for (const p of leechers(r)) {
    if (p.completeAt === undefined) continue;
    const steps = stepTimes(p);
    if (steps.length === 100) steps.forEach((v, i) => (per[i] as number[]).push(v));
  }
  return per.map((xs) => median(xs));
}

function stepTimes(p: PeerRecord): number[] {
  const m = p.milestones;
  const out: number[] = [];
  for (let k = 1; k <= 100; k++) {
    const a = m[k - 1] as number;
    const b = m[k] as number;
    if (Number.isNaN(a) || Number.isNaN(b)) return [];
    out.push((b - a) / 1000);
  }
  return out;
}

export function summary(xs: readonly number[]): { median: number; p10: number; p90: number; max: number; min: number } {
  return {
    median: median(xs),
    p10: quantile(xs, 0.1),
    p90: quantile(xs, 0.9),
    max: xs.length ? Math.max(...xs) : NaN,
    min: xs.length ? Math.min(...xs) : NaN,
  };
}
