// Experiment 7, churn: peers arrive over time, a fifth of them leave mid-download and are replaced;
// nobody who stays may stall for ever.
import { completionCurve, series } from '../analysis.js';
import { baseConfig, check, s, stuck, type Scenario, type ScenarioOutcome } from './common.js';

export const churn: Scenario = {
  name: 'churn',
  title: 'Churn',
  async run(ctx): Promise<ScenarioOutcome> {
    const n = ctx.params.peers;
    const arrivalSeconds = 60;
    const r = await ctx.run(`churn-${n}`, baseConfig(ctx, {
      peers: n,
      arrivals: { kind: 'poisson', perSecond: n / arrivalSeconds },
      churn: { leaveFraction: 0.2, atProgress: [0.1, 0.9], replaceAfterMs: 5000 },
      seedTimeMs: 30_000,
    }));
    const unfinished = stuck(r);
    const stayers = r.peers.filter((p) => p.kind === 'leecher' && p.leaveAtPieces === undefined);
    const longest = Math.max(0, ...stayers.map((p) => p.longestStall)) / 1000;
    const left = r.peers.filter((p) => p.leaveAtPieces !== undefined && p.leftAt !== undefined).length;
    const replacements = r.peers.filter((p) => p.replacement).length;
    return {
      name: this.name,
      title: this.title,
      setup: `${n} leechers arrive as a Poisson process over about ${arrivalSeconds} s around one 50 Mbit/s seeder; 20% of them ` +
        'leave at a random point between 10% and 90% of their download, each replaced by a new peer 5 s later; ' +
        'finished peers seed for 30 s.',
      runs: [{ label: `N=${n}`, result: r }],
      checks: [check('every peer that stays finishes (no peer stalls for ever)', '0 unfinished',
        `${unfinished} unfinished of ${stayers.length}; ${left} left early, ${replacements} replacements; ` +
        `longest time without a new piece ${s(longest)} s`, unfinished === 0)],
      tables: [],
      charts: [
        {
          file: 'churn-population',
          spec: {
            title: 'Peers present', xLabel: 'time (s)', yLabel: 'peers',
            series: [
              { name: 'leechers', points: series(r, (x) => x.leechers) },
              { name: 'seeds', points: series(r, (x) => x.seeds) },
            ],
          },
        },
        {
          file: 'churn-completion',
          spec: {
            title: 'Completion curve (all leechers, replacements included)', xLabel: 'time (s)', yLabel: 'fraction complete',
            series: [{ name: 'complete', points: completionCurve(r) }], yMax: 1, step: true,
          },
        },
        {
          file: 'churn-utilization',
          spec: {
            title: 'Upload utilization', xLabel: 'time (s)', yLabel: 'utilization',
            series: [{ name: 'utilization', points: series(r, (x) => x.utilization) }], yMin: 0, yMax: 1.05,
          },
        },
      ],
    };
  },
};
