// Experiment 6, seeder departure: the only seeder leaves once it has uploaded one copy's worth of
// bytes; the swarm must finish on its own.
import { completionCurve, downloadTimes, series, summary } from '../analysis.js';
import { Mbit } from '../config.js';
import { baseConfig, check, s, stuck, type Scenario, type ScenarioOutcome } from './common.js';

export const seederDeparture: Scenario = {
  name: 'seeder-departure',
  title: 'Seeder departure',
  async run(ctx): Promise<ScenarioOutcome> {
    const n = ctx.params.peers;
    const fileBytes = ctx.params.pieceCount * ctx.params.pieceLength;
    const r = await ctx.run(`seeder-leaves-${n}`, baseConfig(ctx, {
      peers: n,
      seeders: { count: 1, upload: 50 * Mbit, download: 100 * Mbit, leaveAfterBytes: fileBytes },
      seedTimeMs: 60_000,
    }));
    const left = r.peers.find((p) => p.kind === 'seeder')?.leftAt;
    const after = left === undefined ? undefined : r.samples.find((x) => x.t >= left);
    const unfinished = stuck(r);
    const t = summary(downloadTimes(r));
    return {
      name: this.name,
      title: this.title,
      setup: `A flash crowd of ${n} leechers around one 50 Mbit/s seeder that leaves once it has put ${s(fileBytes / 2 ** 20)} MiB ` +
        '(one copy of the file) on the wire; leechers seed for 60 s after completing.',
      runs: [{ label: `N=${n}`, result: r }],
      checks: [check('the swarm completes without its seeder', '0 unfinished',
        `${unfinished} unfinished; seeder left at ${left === undefined ? 'never' : s(left / 1000)} s` +
        `${after ? `, rarest piece then had ${after.minAvailability} copies` : ''}; last peer done at ${s(t.max)} s`,
        unfinished === 0 && left !== undefined)],
      tables: [],
      charts: [
        {
          file: 'seeder-departure-availability',
          spec: {
            title: 'Copies of the rarest piece', xLabel: 'time (s)', yLabel: 'copies',
            series: [{ name: 'rarest piece', points: series(r, (x) => x.minAvailability) }], step: true,
            vLines: left === undefined ? [] : [{ x: left / 1000, label: 'seeder leaves' }],
          },
        },
        {
          file: 'seeder-departure-completion',
          spec: {
            title: 'Completion curve', xLabel: 'time (s)', yLabel: 'fraction of peers complete',
            series: [{ name: 'complete', points: completionCurve(r) }], yMax: 1, step: true,
            vLines: left === undefined ? [] : [{ x: left / 1000, label: 'seeder leaves' }],
          },
        },
      ],
    };
  },
};
