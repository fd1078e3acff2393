// npm run sim:swarm-one -- [options]: one flash crowd around a 50 Mbit/s seeder, broken down the
// way a choker or picker change needs it: download time and milestones by upload class, the
// slowest peers' progress, the utilization timeline, and tit-for-tat's rank correlation. The
// scenario report (sim:swarm) says whether targets pass; this says where the time went.
import { parseArgs } from 'node:util';
import { utilizationBetween } from './swarm/analysis.js';
import { defaultConfig, Mbit } from './swarm/config.js';
import type { PeerRecord } from './swarm/peer.js';
import { COPY_EVENT, Simulation } from './swarm/simulation.js';
import { IDLE_CAUSES, UploadDiagnosis, type ClassUse } from './swarm/upload-diagnosis.js';
import { median, spearman } from './swarm/stats.js';

const USAGE = `usage: npm run sim:swarm-one -- [--peers N] [--pieces N] [--seed N] [--free-riders F] [--leave-on-complete] [--super-seed] [--idle]`;

let a;
try {
  a = parseArgs({
    options: {
      peers: { type: 'string', default: '300' },
      pieces: { type: 'string', default: '1000' },
      seed: { type: 'string', default: '1' },
      'free-riders': { type: 'string', default: '0' },
      'leave-on-complete': { type: 'boolean', default: false },
      idle: { type: 'boolean', default: false },
      'super-seed': { type: 'boolean', default: false },
    },
  }).values;
} catch (e) {
  console.error(`sim:swarm-one: ${(e as Error).message}\n${USAGE}`);
  process.exit(2);
}
const count = (name: string, v: string, min: number): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) {
    console.error(`sim:swarm-one: --${name} must be an integer >= ${min}, got ${v}\n${USAGE}`);
    process.exit(2);
  }
  return n;
};
const freeRiders = Number(a['free-riders']);
if (!(freeRiders >= 0 && freeRiders < 1)) {
  console.error(`sim:swarm-one: --free-riders must be a fraction in [0, 1), got ${a['free-riders']}\n${USAGE}`);
  process.exit(2);
}
const cfg = defaultConfig({
  seed: count('seed', a.seed, 0),
  pieceCount: count('pieces', a.pieces, 1),
  pieceLength: 64 * 1024,
  peers: count('peers', a.peers, 1),
  seeders: { count: 1, upload: 50 * Mbit, download: 100 * Mbit, superSeed: a['super-seed'] },
  arrivals: { kind: 'flash', windowMs: 1000 },
  seedTimeMs: a['leave-on-complete'] ? 0 : Infinity,
  maxTimeMs: 2 * 3600_000,
  freeRiders,
});
const sim = new Simulation(cfg);
const diagnosis = a.idle ? new UploadDiagnosis() : undefined;
const idleRows: { t: number; rows: ClassUse[] }[] = [];
const r = await sim.run({
  onSample: diagnosis ? (s) => idleRows.push({ t: s.t, rows: diagnosis.sample(s.t, sim.presentPeers()) }) : undefined,
});

const sec = (ms: number): string => (ms / 1000).toFixed(1);
const label = (p: PeerRecord): string => (p.freeRider ? 'free-rider' : p.className);
const leechers = r.peers.filter((p) => p.kind === 'leecher');
console.log(`${leechers.length} leechers, ${r.config.pieceCount} pieces: ${sec(r.stats.virtualMs)} virtual s in ${sec(r.stats.cpuMs)} CPU s`);
console.log('class       done  median   max   milestone 10/25/50/75/90% (median, s)   up / down MB (median)');
for (const cls of [...new Set(leechers.map(label))]) {
  const ps = leechers.filter((p) => label(p) === cls && p.completeAt !== undefined);
  const times = ps.map((p) => (p.completeAt as number) - p.arriveAt);
  const at = (k: number): string => sec(median(ps.map((p) => (p.milestones[k] as number) - p.arriveAt)));
  console.log(`${cls.padEnd(10)} ${String(ps.length).padStart(5)} ${sec(median(times)).padStart(7)} ${sec(Math.max(...times)).padStart(6)}   ` +
    `${[10, 25, 50, 75, 90].map(at).join(' ').padEnd(38)} ${(median(ps.map((p) => p.uploaded)) / 1e6).toFixed(1)} / ${(median(ps.map((p) => p.downloaded)) / 1e6).toFixed(1)}`);
}
console.log('slowest peers: milestones 10/25/50/75/90/100% (s)');
const took = (p: PeerRecord): number => (p.completeAt ?? Infinity) - p.arriveAt;
for (const p of [...leechers].sort((x, y) => took(y) - took(x)).slice(0, 8)) {
  console.log(`  #${p.index} ${label(p)}: ${[10, 25, 50, 75, 90, 100].map((k) => sec((p.milestones[k] as number) - p.arriveAt)).join(' ')}`);
}
console.log('time (s)  progress  utilization (usable)  leechers  seeds');
for (const s of r.samples) {
  if (s.t % 5000 !== 0) continue;
  console.log(`${sec(s.t).padStart(8)}  ${(s.progress * 100).toFixed(0).padStart(7)}%  ${(s.utilization * 100).toFixed(0).padStart(10)}% (${(s.usableUtilization * 100).toFixed(0)}%)  ${String(s.leechers).padStart(8)}  ${String(s.seeds).padStart(5)}`);
}
const copy = r.timeline.find((x) => x.event === COPY_EVENT);
if (copy) {
  const size = r.config.pieceCount * r.config.pieceLength;
  console.log(`first full copy among the leechers at ${sec(copy.t)} s; the seeder had uploaded ${((100 * (copy.bytes ?? 0)) / size).toFixed(0)}% of the content`);
}
const contributors = leechers.filter((p) => !p.freeRider && p.completeAt !== undefined);
const rates = contributors.map((p) => 1 / ((p.completeAt as number) - p.arriveAt));
console.log(`usable upload utilization between 10% and 90% completion: ${(utilizationBetween(r, 0.1, 0.9, (x) => x.usableUtilization) * 100).toFixed(1)}%`);
console.log(`Spearman rank correlation of upload capacity and download rate (contributors): ${spearman(contributors.map((p) => p.upload), rates).toFixed(3)}`);
if (diagnosis) {
  console.log(`unused upload by class (--idle), every 5 s: used% | ${IDLE_CAUSES.join(' / ')} (% of capacity) | unchoked / interested peers`);
  for (const { t, rows } of idleRows) {
    if (t % 5000 !== 0 || rows.every((x) => x.name.startsWith('seed'))) continue;
    const pct = (x: number): string => (x * 100).toFixed(0);
    console.log(`${sec(t).padStart(6)}  ` + rows.map((x) => `${x.name} (${x.hosts}): ${pct(x.used)}% | ` +
      `${IDLE_CAUSES.map((c) => pct(x.idle[c])).join('/')} | ${x.unchoked.toFixed(1)}/${x.interested.toFixed(1)}`).join('   '));
  }
}
// Cost of the run, on stderr so that stdout stays comparable between builds (same seed, same
// lines): what a speed-up of the simulator is measured by.
{
  const s = r.stats;
  const cpuS = s.cpuMs / 1000;
  console.error(`cost: ${sec(s.cpuMs)} CPU s, ${s.events} events (${Math.round(s.events / cpuS)}/CPU s), ` +
    `${s.messages} messages (${Math.round(s.messages / cpuS)}/CPU s), peak heap ${Math.round(s.peakHeapBytes / 2 ** 20)} MiB, ` +
    `peak RSS ${Math.round(s.peakRssBytes / 2 ** 20)} MiB`);
}
