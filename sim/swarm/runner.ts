// Runs named scenarios at a scale: builds their context (seed, scale, a shared cache so that a
// configuration several scenarios use runs once) and reports progress on the way.
import type { SwarmConfig } from './config.js';
import { SCALES, SCENARIOS, type Scale, type ScaleParams, type ScenarioContext, type ScenarioOutcome } from './scenarios/index.js';
import { Simulation, type SimResult } from './simulation.js';
import { configKey, ResultCache } from './result-cache.js';

export interface RunnerOptions {
  readonly scale: Scale;
  readonly seed: number;
  /** Scenario names (default: all). */
  readonly scenarios?: readonly string[];
  /** Overrides of the scale's parameters. */
  readonly params?: Partial<ScaleParams>;
  /** Overrides applied to every configuration (e.g. quantumMs). */
  readonly config?: Partial<SwarmConfig>;
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
  /** Virtual ms between progress lines. */
  readonly logEveryMs?: number;
  /** A folder of finished runs shared between invocations (see result-cache.ts). */
  readonly cacheDir?: string;
}

export class UnknownScenario extends Error {
  readonly code = 'SIM_UNKNOWN_SCENARIO';
}

export async function runScenarios(opts: RunnerOptions): Promise<ScenarioOutcome[]> {
  const names = opts.scenarios ?? SCENARIOS.map((s) => s.name);
  const chosen = names.map((n) => {
    const sc = SCENARIOS.find((s) => s.name === n);
    if (!sc) throw new UnknownScenario(`unknown scenario '${n}' (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
    return sc;
  });
  const cache = new Map<string, Promise<SimResult>>();
  const disk = opts.cacheDir === undefined ? undefined : new ResultCache(opts.cacheDir);
  const log = opts.log;
  const every = opts.logEveryMs ?? 10_000;
  const ctx: ScenarioContext = {
    scale: opts.scale,
    params: { ...SCALES[opts.scale], ...opts.params },
    seed: opts.seed,
    run(label, base) {
      const cfg = { ...base, ...opts.config };
      const key = configKey(cfg);
      const hit = cache.get(key);
      if (hit) return hit;
      const p = (async () => {
        const stored = await disk?.get(cfg);
        if (stored) {
          log?.(`[${label}] from the cache (${opts.cacheDir})`);
          return stored;
        }
        log?.(`[${label}] ${cfg.peers} leechers, ${cfg.pieceCount} pieces of ${cfg.pieceLength / 1024} KiB`);
        let next = every;
        const r = await new Simulation(cfg).run({
          onSample: (smp, st) => {
            if (!log || smp.t < next) return;
            next = smp.t + every;
            log(`[${label}] t=${(smp.t / 1000).toFixed(0)}s progress ${(smp.progress * 100).toFixed(1)}% ` +
              `done ${smp.completed} util ${(smp.utilization * 100).toFixed(0)}% | cpu ${(st.cpuMs / 1000).toFixed(0)}s ` +
              `${Math.round(st.messages / Math.max(1e-3, st.cpuMs / 1000))} msg/s heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`);
          },
        });
        const st = r.stats;
        log?.(`[${label}] done: ${(st.virtualMs / 1000).toFixed(0)} virtual s in ${(st.cpuMs / 1000).toFixed(1)} CPU s ` +
          `(${(st.wallMs / 1000).toFixed(1)} wall s), ${st.events} events, ${st.messages} messages, peak heap ` +
          `${(st.peakHeapBytes / 2 ** 20).toFixed(0)} MiB${r.finished ? '' : ', NOT all finished'}`);
        await disk?.put(cfg, r);
        return r;
      })();
      cache.set(key, p);
      return p;
    },
  };
  const out: ScenarioOutcome[] = [];
  for (const sc of chosen) {
    const o = await sc.run(ctx);
    for (const c of o.checks) log?.(`${c.pass ? 'PASS' : 'FAIL'} ${o.name}: ${c.name}: ${c.measured} (target ${c.target})`);
    out.push(o);
  }
  return out;
}
