// Experiment 3, rarest-first vs random piece selection when the seeder is the bottleneck: with
// random selection peers ask the seeder for pieces the swarm already has, so new pieces enter
// the swarm more slowly.
import { completionCurve, downloadTimes, series, summary } from '../analysis.js';
import { Mbit } from '../config.js';
import { baseConfig, check, s, type Scenario, type ScenarioOutcome } from './common.js';

export const rarest: Scenario = {
  name: 'rarest-vs-random',
  title: 'Rarest-first vs random piece selection',
  async run(ctx): Promise<ScenarioOutcome> {
    const n = ctx.params.rarestPeers;
    const seeders = { count: 1, upload: 5 * Mbit, download: 100 * Mbit };
    const runs = [];
    for (const strategy of ['rarest', 'random'] as const) {
      const r = await ctx.run(`bottleneck-${n}-${strategy}`, baseConfig(ctx, { peers: n, seeders, pieceStrategy: strategy }));
      runs.push({ strategy, label: strategy === 'rarest' ? 'rarest-first' : 'random', result: r });
    }
    const [a, b] = runs as [typeof runs[0], typeof runs[0]];
    const last = (r: typeof a): number => summary(downloadTimes(r.result)).max;
    const ratio = last(a) / last(b);
    const rows = runs.map(({ label, result }) => {
      const t = summary(downloadTimes(result));
      const minAvail = Math.min(...result.samples.filter((x) => x.t > 0).map((x) => x.minAvailability));
      const unfinished = result.peers.filter((p) => p.kind === 'leecher' && p.completeAt === undefined).length;
      return [label, s(t.median), s(t.p90), s(t.max), String(unfinished), String(minAvail)];
    });
    return {
      name: this.name,
      title: this.title,
      setup: `A flash crowd of ${n} leechers around one seeder of only 5 Mbit/s (less than a third of one fast ` +
        "leecher's upload), run twice: every leecher picks new pieces rarest-first (shoal's default), or at random " +
        "(Torrent option pieceStrategy: 'random').",
      runs: runs.map(({ label, result }) => ({ label, result })),
      checks: [check('time until every peer is done, rarest-first vs random', '<= 0.9x (10% faster)',
        `${s(ratio, 2)}x (${s(last(a))} s vs ${s(last(b))} s)`, ratio <= 0.9)],
      tables: [{ title: 'Download time (s)', header: ['selection', 'median', 'p90', 'max', 'unfinished', 'lowest availability seen'], rows }],
      charts: [
        {
          file: 'rarest-min-availability',
          spec: {
            title: 'Copies of the rarest piece among the peers present', xLabel: 'time (s)', yLabel: 'copies',
            series: runs.map(({ label, result }) => ({ name: label, points: series(result, (x) => x.minAvailability) })), step: true,
          },
        },
        {
          file: 'rarest-mean-availability',
          spec: {
            title: 'Copies of an average piece', xLabel: 'time (s)', yLabel: 'copies',
            series: runs.map(({ label, result }) => ({ name: label, points: series(result, (x) => x.meanAvailability) })),
          },
        },
        {
          file: 'rarest-completion',
          spec: {
            title: 'Completion curves', xLabel: 'time (s)', yLabel: 'fraction of peers complete',
            series: runs.map(({ label, result }) => ({ name: label, points: completionCurve(result) })), yMax: 1, step: true,
          },
        },
      ],
    };
  },
};
