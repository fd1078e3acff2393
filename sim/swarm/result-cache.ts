// Simulation results on disk, keyed by a hash of their configuration: a full-scale run costs
// minutes to hours, so separate invocations (one per scenario group, run in parallel) can share
// them, and a final invocation can write the combined report from the cache alone.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SwarmConfig } from './config.js';
import type { SimResult } from './simulation.js';

/** A stable text for a configuration (Infinity survives, unlike with plain JSON). */
export function configKey(cfg: SwarmConfig): string {
  return JSON.stringify(cfg, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

function encode(r: SimResult): string {
  return JSON.stringify(r, (_k, v: unknown) => {
    if (v instanceof Float64Array) return { $f64: Array.from(v, (x) => (Number.isFinite(x) ? x : null)) };
    if (v instanceof Map) return { $map: [...v] };
    if (typeof v === 'number' && !Number.isFinite(v)) return { $num: String(v) };
    return v;
  });
}

function decode(text: string): SimResult {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v && typeof v === 'object') {
      const o = v as { $f64?: (number | null)[]; $map?: [string, number][]; $num?: string };
      if (o.$f64) return Float64Array.from(o.$f64, (x) => (x === null ? NaN : x));
      if (o.$map) return new Map(o.$map);
      if (o.$num) return Number(o.$num);
    }
    return v;
  }) as SimResult;
}

export class ResultCache {
  constructor(private readonly dir: string) {}

  private file(cfg: SwarmConfig): string {
    return join(this.dir, `${createHash('sha256').update(configKey(cfg)).digest('hex').slice(0, 24)}.json`);
  }

  async get(cfg: SwarmConfig): Promise<SimResult | undefined> {
    try {
      const r = decode(await readFile(this.file(cfg), 'utf8'));
      return configKey(r.config) === configKey(cfg) ? r : undefined;
    } catch {
      return undefined;
    }
  }

  async put(cfg: SwarmConfig, r: SimResult): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const f = this.file(cfg);
    await writeFile(`${f}.tmp`, encode(r));
    await rename(`${f}.tmp`, f);
  }
}
