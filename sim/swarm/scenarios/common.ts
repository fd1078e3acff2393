// What every scenario shares: its scale (the full runs of the issue, or small ones for `npm test`),
// the base swarm it varies, and the shape of its outcome (checks, tables, charts).
import { defaultConfig, Mbit, type SwarmConfig } from '../config.js';
import type { SimResult } from '../simulation.js';
import type { ChartSpec } from '../svg.js';

export type Scale = 'small' | 'full';

export interface ScaleParams {
  readonly pieceCount: number;
  readonly pieceLength: number;
  /** Swarm sizes of the scaling experiment. */
  readonly scalingPeers: readonly number[];
  /** The N the scaling targets refer to (1,000 at full scale). */
  readonly scalingTargetPeers: number;
  /** Leechers of the standard flash crowd that utilization and end game measure (a scaling size). */
  readonly flashPeers: number;
  /** Leechers of the tit-for-tat, seeder-departure and churn experiments. */
  readonly peers: number;
  /** Leechers of the rarest-first vs random experiment (its seeder makes it slow). */
  readonly rarestPeers: number;
  /** A run that has not finished by then (virtual ms) stops and counts its unfinished peers. */
  readonly maxTimeMs: number;
}

export const SCALES: Record<Scale, ScaleParams> = {
  full: {
    pieceCount: 1000,
    pieceLength: 64 * 1024,
    scalingPeers: [10, 100, 1000, 10000],
    scalingTargetPeers: 1000,
    flashPeers: 1000,
    peers: 500,
    rarestPeers: 200,
    maxTimeMs: 2 * 3600_000,
  },
  small: {
    pieceCount: 100,
    pieceLength: 64 * 1024,
    scalingPeers: [5, 40],
    scalingTargetPeers: 40,
    flashPeers: 40,
    peers: 40,
    rarestPeers: 30,
    maxTimeMs: 600_000,
  },
};

export interface Check {
  readonly name: string;
  readonly target: string;
  readonly measured: string;
  readonly pass: boolean;
}

export interface Table {
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface ScenarioOutcome {
  readonly name: string;
  readonly title: string;
  /** What the experiment does, in a sentence or two (Markdown). */
  readonly setup: string;
  readonly runs: readonly { readonly label: string; readonly result: SimResult }[];
  readonly checks: readonly Check[];
  readonly tables: readonly Table[];
  /** Chart files (name without extension) and their specs. */
  readonly charts: readonly { readonly file: string; readonly spec: ChartSpec }[];
}

export interface ScenarioContext {
  readonly scale: Scale;
  readonly params: ScaleParams;
  readonly seed: number;
  /** Runs a configuration (identical configurations run once per process and are shared). */
  run(label: string, cfg: SwarmConfig): Promise<SimResult>;
}

export interface Scenario {
  readonly name: string;
  readonly title: string;
  run(ctx: ScenarioContext): Promise<ScenarioOutcome>;
}

/**
 * The standard swarm: a flash crowd (everyone within 1 s) around one 50 Mbit/s seeder, leechers
 * from the 1/10, 5/50, 20/100 Mbit/s mix with 10-50 ms access latency, who stay once complete.
 */
export function baseConfig(ctx: ScenarioContext, over: Partial<SwarmConfig> = {}): SwarmConfig {
  return defaultConfig({
    seed: ctx.seed,
    pieceCount: ctx.params.pieceCount,
    pieceLength: ctx.params.pieceLength,
    peers: ctx.params.peers,
    seeders: { count: 1, upload: 50 * Mbit, download: 100 * Mbit },
    arrivals: { kind: 'flash', windowMs: 1000 },
    seedTimeMs: Infinity,
    maxTimeMs: ctx.params.maxTimeMs,
    ...over,
  });
}

export function s(x: number, digits = 1): string {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

export function pct(x: number, digits = 1): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : 'n/a';
}

export function check(name: string, target: string, measured: string, pass: boolean): Check {
  return { name, target, measured, pass };
}

/** Unfinished leechers that did not leave on purpose (churn leavers are expected to). */
export function stuck(r: SimResult): number {
  return r.peers.filter((p) => p.kind === 'leecher' && p.completeAt === undefined
    && !(p.leaveAtPieces !== undefined && p.leftAt !== undefined)).length;
}
