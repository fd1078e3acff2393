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
    const usable = utilizationBetween(r, 0.1, 0.9, (x) => x.usableUtilization);
    const t10 = progressTime(r, 0.1);
    const t90 = progressTime(r, 0.9);
    return {
      name: this.name,
      title: this.title,
      setup: `The standard flash crowd of ${n} leechers. Utilization = wire bytes all present hosts put on their uplinks ` +
        'in each second / their total upload capacity (seeder included). Measured while the swarm-wide progress ' +
        '(verified pieces of all leechers / all they need) goes from 10% to 90%. The target is checked against the ' +
        'capacity the swarm can use, as in the fluid model behind the Kumar & Ross bound: the smaller of the upload ' +
        'capacity present and the unfinished leechers\' download capacity. Late in a flash crowd only the 10 Mbit/s-' +
        'downlink leechers are left, and upload capacity beyond what they can receive cannot be used by any schedule; ' +
        'the raw figure (all upload capacity) is given next to it.',
      runs: [{ label: `N=${n}`, result: r }],
      checks: [check('upload utilization of the usable capacity between 10% and 90% completion', '>= 90%',
        `${pct(usable)}; of all upload capacity ${pct(u)} (${s(t10)} s to ${s(t90)} s)`, usable >= 0.9)],
      tables: [],
      charts: [{
        file: 'utilization',
        spec: {
          title: `Swarm-wide upload utilization (N=${n})`, xLabel: 'time (s)', yLabel: 'utilization',
          series: [
            { name: 'upload utilization', points: series(r, (x) => x.utilization) },
            { name: 'of the usable capacity', points: series(r, (x) => x.usableUtilization) },
            { name: 'swarm progress', points: series(r, (x) => x.progress), dashed: true },
          ],
          yMin: 0, yMax: 1.05,
          vLines: [{ x: t10, label: '10%' }, { x: t90, label: '90%' }].filter((l) => Number.isFinite(l.x)),
        },
      }],
    };
  },
};
