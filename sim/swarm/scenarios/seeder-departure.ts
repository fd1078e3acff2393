// Experiment 6, seeder departure: the only seeder leaves once it has uploaded one full copy, that
// is once every piece has reached some leecher; the swarm must finish on its own. A second run
// reads "one copy" as bytes: the seeder leaves after sending the file's size, duplicates included.
import { completionCurve, downloadTimes, series, summary } from '../analysis.js';
import { Mbit } from '../config.js';
import type { SimResult } from '../simulation.js';
import { baseConfig, check, s, stuck, type Scenario, type ScenarioOutcome } from './common.js';

function departure(r: SimResult): { t: number; copies: number; minAvail: number | undefined } | undefined {
  const e = r.timeline.find((x) => x.event === 'seeder left');
  if (!e) return undefined;
  const after = r.samples.find((x) => x.t >= e.t);
  return { t: e.t / 1000, copies: (e.bytes ?? 0) / r.fileBytes, minAvail: after?.minAvailability };
}

export const seederDeparture: Scenario = {
  name: 'seeder-departure',
  title: 'Seeder departure',
  async run(ctx): Promise<ScenarioOutcome> {
    const n = ctx.params.peers;
    const fileBytes = ctx.params.pieceCount * ctx.params.pieceLength;
    const seeder = { count: 1, upload: 50 * Mbit, download: 100 * Mbit };
    const main = await ctx.run(`seeder-leaves-${n}`, baseConfig(ctx, {
      peers: n, seeders: { ...seeder, leaveWhenSwarmHasCopy: true }, seedTimeMs: 60_000,
    }));
    const bytes = await ctx.run(`seeder-leaves-bytes-${n}`, baseConfig(ctx, {
      peers: n, seeders: { ...seeder, leaveAfterBytes: fileBytes }, seedTimeMs: 60_000,
    }));
    const rows = [['every piece uploaded once', main], ['file size uploaded', bytes]].map(([label, r]) => {
      const res = r as SimResult;
      const d = departure(res);
      const t = summary(downloadTimes(res));
      return [label as string, d ? s(d.t) : 'never', d ? s(d.copies, 2) : 'n/a', d?.minAvail === undefined ? 'n/a' : String(d.minAvail),
        String(stuck(res)), s(t.max)];
    });
    const d = departure(main);
    const unfinished = stuck(main);
    return {
      name: this.name,
      title: this.title,
      setup: `A flash crowd of ${n} leechers around one 50 Mbit/s seeder that leaves once every piece has been verified by ` +
        'at least one leecher (it has uploaded one full copy); leechers seed for 60 s after completing. A second run has ' +
        `the seeder leave after sending ${s(fileBytes / 2 ** 20)} MiB of piece data, one copy's worth of bytes.`,
      runs: [{ label: 'leaves after a full copy', result: main }, { label: 'leaves after F bytes', result: bytes }],
      checks: [check('the swarm completes after its only seeder left', '0 unfinished',
        `${unfinished} unfinished; seeder left at ${d ? s(d.t) : 'never'} s having sent ${d ? s(d.copies, 2) : 'n/a'} copies' worth`,
        unfinished === 0 && d !== undefined)],
      tables: [{
        title: 'Seeder departure',
        header: ['seeder leaves when', 'left at (s)', 'copies sent', 'rarest piece copies then', 'unfinished', 'last peer done (s)'],
        rows,
      }],
      charts: [
        {
          file: 'seeder-departure-availability',
          spec: {
            title: 'Copies of the rarest piece', xLabel: 'time (s)', yLabel: 'copies',
            series: [
              { name: 'leaves after a full copy', points: series(main, (x) => x.minAvailability) },
              { name: 'leaves after F bytes', points: series(bytes, (x) => x.minAvailability), dashed: true },
            ],
            step: true,
          },
        },
        {
          file: 'seeder-departure-completion',
          spec: {
            title: 'Completion curves', xLabel: 'time (s)', yLabel: 'fraction of peers complete',
            series: [
              { name: 'leaves after a full copy', points: completionCurve(main) },
              { name: 'leaves after F bytes', points: completionCurve(bytes), dashed: true },
            ],
            yMax: 1, step: true,
            vLines: d === undefined ? [] : [{ x: d.t, label: 'seeder leaves' }],
          },
        },
      ],
    };
  },
};
