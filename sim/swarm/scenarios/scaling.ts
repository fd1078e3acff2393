// Experiment 1, scaling: flash crowds of growing size around one seeder, next to the
// client-server time and the Kumar & Ross minimum distribution time for the same capacities.
import { bounds, cdf, completionCurve, downloadTimes, summary } from '../analysis.js';
import { check, baseConfig, s, type Scenario, type ScenarioOutcome, type Check } from './common.js';

export const scaling: Scenario = {
  name: 'scaling',
  title: 'Scaling: download time against swarm size',
  async run(ctx): Promise<ScenarioOutcome> {
    const runs = [];
    for (const n of ctx.params.scalingPeers) {
      runs.push({ label: `N=${n}`, n, result: await ctx.run(`flash-${n}`, baseConfig(ctx, { peers: n })) });
    }
    const rows = runs.map(({ n, result }) => {
      const t = summary(downloadTimes(result));
      const b = bounds(result);
      const st = result.stats;
      return {
        n, t, b,
        row: [String(n), s(t.median), s(t.p90), s(t.max), s(b.p2p), s(b.clientServer), s(t.max / b.p2p, 2),
          `${Math.round(st.virtualMs / 1000)}`, s(st.cpuMs / 1000, 0), `${Math.round(st.events / (st.cpuMs / 1000) / 1000)}k`,
          `${Math.round(st.messages / (st.cpuMs / 1000) / 1000)}k`, `${Math.round(st.peakHeapBytes / 2 ** 20)}`],
      };
    });
    const checks: Check[] = [];
    const small = rows[0];
    const target = rows.find((r) => r.n === ctx.params.scalingTargetPeers);
    if (small && target) {
      const ratio = target.t.median / small.t.median;
      checks.push(check(`median download time at N=${target.n} vs N=${small.n}`, '<= 1.5x',
        `${s(ratio, 2)}x (${s(target.t.median)} s vs ${s(small.t.median)} s)`, ratio <= 1.5));
      const worst = target.t.max / target.b.p2p;
      checks.push(check(`slowest peer at N=${target.n} vs the minimum distribution time`, '<= 1.3x',
        `${s(worst, 2)}x (${s(target.t.max)} s vs ${s(target.b.p2p)} s)`, worst <= 1.3));
    }
    for (const r of runs) {
      const unfinished = r.result.peers.filter((p) => p.kind === 'leecher' && p.completeAt === undefined).length;
      if (unfinished > 0) checks.push(check(`N=${r.n}: every peer finishes`, '0 unfinished', `${unfinished} unfinished`, false));
    }
    return {
      name: this.name,
      title: this.title,
      setup: `Flash crowds (all leechers arrive within 1 s) of ${ctx.params.scalingPeers.join(', ')} leechers around one ` +
        `seeder of 50 Mbit/s; leechers stay once complete. Bounds: Kumar & Ross max{F/u_s, F/d_min, N·F/(u_s + Σu_i)} ` +
        'and client-server max{N·F/u_s, F/d_min}, from the capacities drawn in each run.',
      runs: runs.map(({ label, result }) => ({ label, result })),
      checks,
      tables: [{
        title: 'Download time (s) by swarm size, with the run cost',
        header: ['N', 'median', 'p90', 'max', 'K&R bound', 'client-server', 'max / bound', 'virtual s', 'CPU s', 'events/CPU s', 'messages/CPU s', 'peak heap MiB'],
        rows: rows.map((r) => r.row),
      }],
      charts: [
        {
          file: 'scaling-download-time-cdf',
          spec: {
            title: 'Download-time distribution', xLabel: 'download time (s)', yLabel: 'fraction of peers done',
            series: runs.map(({ label, result }) => ({ name: label, points: cdf(downloadTimes(result)) })), yMax: 1, step: true,
          },
        },
        {
          file: 'scaling-completion',
          spec: {
            title: 'Completion curves', xLabel: 'time since the start (s)', yLabel: 'fraction of peers complete',
            series: runs.map(({ label, result }) => ({ name: label, points: completionCurve(result) })), yMax: 1, step: true,
          },
        },
      ],
    };
  },
};
