// Experiment 5, end game: the last pieces should not trickle in, and the duplicate requests that
// speed them up should cost little.
import { duplicateRatio, endgameRatios, stepProfile, summary } from '../analysis.js';
import { baseConfig, check, pct, s, type Scenario, type ScenarioOutcome } from './common.js';

export const endgame: Scenario = {
  name: 'endgame',
  title: 'End game',
  async run(ctx): Promise<ScenarioOutcome> {
    const n = ctx.params.flashPeers;
    const r = await ctx.run(`flash-${n}`, baseConfig(ctx, { peers: n }));
    const ratios = summary(endgameRatios(r));
    const dup = duplicateRatio(r);
    const profile = stepProfile(r);
    return {
      name: this.name,
      title: this.title,
      setup: `The standard flash crowd of ${n} leechers. For each peer, the time its last 1% of pieces took is divided by ` +
        'the median time of its 1% steps; duplicate bytes = bytes received that were already there (end-game ' +
        'duplicates, late answers to timed-out requests) / all bytes received, swarm-wide.',
      runs: [{ label: `N=${n}`, result: r }],
      checks: [
        check('last 1% of pieces vs the median 1% step (median peer)', '<= 2x',
          `${s(ratios.median, 2)}x (p90 ${s(ratios.p90, 2)}x, worst ${s(ratios.max, 2)}x)`, ratios.median <= 2),
        check('duplicate bytes', '<= 2%', pct(dup, 2), dup <= 0.02),
      ],
      tables: [],
      charts: [{
        file: 'endgame-steps',
        spec: {
          title: 'Time per 1% of the pieces (median peer)', xLabel: 'percent of the pieces', yLabel: 'seconds per 1%',
          series: [{ name: 'median over peers', points: profile.map((v, i) => [i + 1, v] as [number, number]) }],
          yMin: 0,
        },
      }],
    };
  },
};
