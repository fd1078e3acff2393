// Experiment 4, tit-for-tat: with little seed capacity, a peer's download rate should follow what
// it uploads, and free-riders (who never unchoke anyone) should be clearly slower.
import { cdf, downloadTimes, leechers, summary } from '../analysis.js';
import { Mbit } from '../config.js';
import { median, spearman } from '../stats.js';
import { baseConfig, check, s, type Scenario, type ScenarioOutcome } from './common.js';

export const titForTat: Scenario = {
  name: 'tit-for-tat',
  title: 'Tit-for-tat and free-riders',
  async run(ctx): Promise<ScenarioOutcome> {
    const n = ctx.params.peers;
    const r = await ctx.run(`tft-${n}`, baseConfig(ctx, {
      peers: n,
      freeRiders: 0.1,
      seeders: { count: 1, upload: 50 * Mbit, download: 100 * Mbit },
      seedTimeMs: 0,
    }));
    const contributors = leechers(r).filter((p) => !p.freeRider && p.completeAt !== undefined);
    const rate = (p: (typeof contributors)[number]): number => r.fileBytes / (((p.completeAt as number) - p.arriveAt) / 1000);
    const rho = spearman(contributors.map((p) => p.upload), contributors.map(rate));
    const tFree = median(downloadTimes(r, (p) => p.freeRider));
    const tContrib = median(downloadTimes(r, (p) => !p.freeRider));
    const slow = tFree / tContrib;
    const unfinishedFree = leechers(r).filter((p) => p.freeRider && p.completeAt === undefined).length;
    const groups = [...new Set(leechers(r).filter((p) => !p.freeRider).map((p) => p.className))].sort();
    const rows = groups.map((g) => {
      const t = summary(downloadTimes(r, (p) => !p.freeRider && p.className === g));
      return [g, s(t.median), s(t.p90), s((r.fileBytes / t.median) / Mbit, 2)];
    });
    const ft = summary(downloadTimes(r, (p) => p.freeRider));
    rows.push(['free-riders', s(ft.median), s(ft.p90), s((r.fileBytes / ft.median) / Mbit, 2)]);
    return {
      name: this.name,
      title: this.title,
      setup: `A flash crowd of ${n} leechers (10% free-riders: they never unchoke anyone) around one seeder of 50 Mbit/s; ` +
        'every leecher leaves as soon as it completes, so seed capacity stays scarce (the seeder alone could serve the ' +
        'swarm in N·F/u_s, some 50 times the swarm time). A slower seeder makes F/u_s the bound for everyone and hides ' +
        'tit-for-tat (everyone waits for the seeder\'s last pieces). Download rate = file size / download time.',
      runs: [{ label: `N=${n}`, result: r }],
      checks: [
        check('Spearman rank correlation of upload capacity and download rate (contributors)', '>= 0.7', s(rho, 3), rho >= 0.7),
        check('free-riders vs contributors, median download time', '>= 2x slower',
          `${s(slow, 2)}x (${s(tFree)} s vs ${s(tContrib)} s${unfinishedFree ? `; ${unfinishedFree} free-riders unfinished` : ''})`,
          slow >= 2 || (unfinishedFree > 0 && !Number.isFinite(slow))),
      ],
      tables: [{ title: 'Download time (s) and rate by upload class', header: ['class (up/down Mbit/s)', 'median', 'p90', 'median rate (Mbit/s)'], rows }],
      charts: [{
        file: 'tft-download-time-cdf',
        spec: {
          title: 'Download time by class', xLabel: 'download time (s)', yLabel: 'fraction of the class done',
          series: [
            ...groups.map((g) => ({ name: g, points: cdf(downloadTimes(r, (p) => !p.freeRider && p.className === g)) })),
            { name: 'free-riders', points: cdf(downloadTimes(r, (p) => p.freeRider)), dashed: true },
          ],
          yMax: 1, step: true,
        },
      }],
    };
  },
};
