// Experiment 2, utilization: how much of the swarm's upload capacity is in use while it works.
import { progressTime, series, utilizationBetween } from '../analysis.js';
import { baseConfig, check, pct, s, type Scenario, type ScenarioOutcome } from './common.js';

export const utilization: Scenario = {
  name: 'utilization',
  title: 'Upload utilization',
  async run(ctx): Promise<ScenarioOutcome> {
    const n = ctx.params.flashPeers;
    const r = await ctx.run(`flash-${n}`, baseConfig(ctx, { peers: n }));
    const u = utilizationBetween(r, 0.1, 0.9);
    const t10 = progressTime(r, 0.1);
    const t90 = progressTime(r, 0.9);
    return {
      name: this.name,
      title: this.title,
      setup: `The standard flash crowd of ${n} leechers. Utilization = wire bytes all present hosts put on their uplinks ` +
        'in each second / their total upload capacity (seeder included). Measured while the swarm-wide progress ' +
        '(verified pieces of all leechers / all they need) goes from 10% to 90%.',
      runs: [{ label: `N=${n}`, result: r }],
      checks: [check('upload utilization between 10% and 90% completion', '>= 90%', `${pct(u)} (${s(t10)} s to ${s(t90)} s)`, u >= 0.9)],
      tables: [],
      charts: [{
        file: 'utilization',
        spec: {
          title: `Swarm-wide upload utilization (N=${n})`, xLabel: 'time (s)', yLabel: 'utilization',
          series: [
            { name: 'upload utilization', points: series(r, (x) => x.utilization) },
            { name: 'swarm progress', points: series(r, (x) => x.progress), dashed: true },
          ],
          yMin: 0, yMax: 1.05,
          vLines: [{ x: t10, label: '10%' }, { x: t90, label: '90%' }].filter((l) => Number.isFinite(l.x)),
        },
      }],
    };
  },
};
