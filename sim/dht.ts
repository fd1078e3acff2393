// `npm run sim:dht`: the DHT's production state machine (src/discovery/dht/core.ts) in a
// deterministic simulated network: 10,000 nodes without churn, 10,000 nodes with 20 % of them
// replaced per hour, and a size series up to 100,000 nodes to show how lookup rounds grow.
// Virtual clock, seeded PRNG, per-node access latency (5-50 ms one way), 1 % packet loss.
//
// usage: npm run sim:dht -- [--seed N] [--only static|churn|scale] [--quick] [--append] [--raw] [--sizes N,N]
//   --quick   small networks (1,000 nodes; scale series to 10,000) for a fast check
//   --append  append the report to bench/RESULTS.md
//   --raw     skip the KRPC codec round trip in every scenario (faster; the codec is tested apart)
//   --sizes   network sizes of the scale series (default 1000,10000,100000)
// `npm run sim:dht` runs it bundled by esbuild with plain node (scripts/sim-fast.mjs): same results, faster.
import { appendFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { percentile, runScenario, type ScenarioOptions, type ScenarioResult } from './dht/scenario.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    only: { type: 'string' },
    quick: { type: 'boolean' },
    append: { type: 'boolean' },
    raw: { type: 'boolean' },
    sizes: { type: 'string' },
  },
});
const seed = Number(values.seed ?? 1);
const quick = values.quick ?? false;
const only = values.only;
const N = quick ? 1000 : 10_000;
const log = (s: string): void => void process.stderr.write(s + '\n');

interface Row {
  name: string;
  r: ScenarioResult;
}

const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '-');
const pct = (x: number): string => `${(x * 100).toFixed(2)} %`;

function line(row: Row): string {
  const { r } = row;
  const s = r.samples;
  const ok = s.filter((x) => x.ok);
  const lat = s.map((x) => x.latencyMs);
  const first = ok.map((x) => x.firstPeerMs ?? NaN);
  return [
    row.name,
    String(r.options.nodes),
    `${r.options.churnPerHour * 100} %/h`,
    r.options.encode === false ? 'off' : 'on',
    String(s.length),
    pct(ok.length / Math.max(1, s.length)),
    `${percentile(s.map((x) => x.rounds), 50)} / ${percentile(s.map((x) => x.rounds), 99)}`,
    `${f1(percentile(lat, 50))} / ${f1(percentile(lat, 99))}`,
    `${(percentile(lat, 50) / r.meanRttMs).toFixed(2)} / ${(percentile(lat, 99) / r.meanRttMs).toFixed(2)}`,
    `${(percentile(first, 50) / r.meanRttMs).toFixed(2)}`,
    String(percentile(s.map((x) => x.queries), 50)),
    String(r.idleWithWork),
    `${f1(r.table.meanNodes)} / ${pct(r.table.meanGoodFraction)} / ${pct(r.table.meanDeadFraction)}`,
    f1(r.announces.meanStored),
    `${(r.wallMs / 1000).toFixed(0)}`,
    `${Math.round(r.events / Math.max(0.001, r.wallMs / 1000))}`,
    `${r.heapMiB.toFixed(0)} / ${r.peakRssMiB.toFixed(0)}`,
  ].join(' | ');
}

function run(name: string, o: Omit<ScenarioOptions, 'seed' | 'log'>): Row {
  log(`${name}: ${o.nodes} nodes, churn ${o.churnPerHour * 100}%/h, codec ${values.raw || o.encode === false ? 'off' : 'on'}`);
  const r = runScenario({ ...o, seed, log, encode: values.raw ? false : o.encode });
  log(`${name}: done in ${(r.wallMs / 1000).toFixed(0)} s`);
  // The row at once, so a long series still leaves its finished sizes if a later one fails.
  log(`| ${line({ name, r })} |`);
  return { name, r };
}

const rows: Row[] = [];
if (!only || only === 'static') {
  rows.push(run('static', { nodes: N, churnPerHour: 0, lookups: 2000, infoHashes: 500, joinMinutes: 10, warmupMinutes: 15, measureMinutes: 5 }));
}
if (!only || only === 'churn') {
  rows.push(run('churn', { nodes: N, churnPerHour: 0.2, lookups: 2000, infoHashes: 500, joinMinutes: 10, warmupMinutes: 60, measureMinutes: 30 }));
}
const scale: Row[] = [];
if (!only || only === 'scale') {
  const sizes = values.sizes ? values.sizes.split(',').map(Number) : quick ? [300, 1000, 3000, 10_000] : [1000, 10_000, 100_000];
  for (const n of sizes) {
    const reuse = rows.find((x) => x.name === 'static' && x.r.options.nodes === n);
    scale.push(
      reuse ?? run(`scale ${n}`, { nodes: n, churnPerHour: 0, lookups: 1000, infoHashes: 200, joinMinutes: 10, warmupMinutes: 8, measureMinutes: 2, encode: n < 100_000 }),
    );
  }
}

const date = new Date().toISOString().slice(0, 10);
const out: string[] = [];
out.push(`## sim:dht (${date})`, '');
out.push(
  `Command: \`${process.env.SHOAL_SIM_RUNNER ?? 'npm run sim:dht'}\`${process.argv.slice(2).length ? ` (${process.argv.slice(2).join(' ')})` : ''}; seed ${seed}. The production DHT state machine ` +
    '(src/discovery/dht/core.ts, unchanged) in a deterministic in-process network: virtual clock, seeded PRNG, one-way latency = ' +
    'access delay of each end (uniform 5-50 ms per node) + 0-5 ms jitter, 1 % datagram loss, k = 8, alpha = 3. Nodes join evenly ' +
    'over 10 minutes through 3 bootstrap nodes, and announcers (stable nodes) re-announce every 15 minutes. Lookups are get_peers from random nodes up ' +
    'for at least a minute, for random announced info hashes. With churn, departures are silent (no goodbye) and each is replaced by a ' +
    'newcomer; lookups are measured after an hour of churn. Rounds = deepest hop queried before the closest-set termination; latency = ' +
    'until the lookup ends (first peer: until the first reply carrying peers), in ms and in mean RTTs of the latency model. ' +
    '"Idle" counts checks (after every simulated event) that found a lookup with fewer than alpha active queries while an unqueried ' +
    'candidate was within its closest window. Table health over up to 1,000 live nodes: entries / good / pointing at departed nodes. ' +
    'Events = simulator events (deliveries, wake-ups, scheduled calls) per wall second; heap = live JS heap at the end of the scenario, ' +
    'peak RSS = the process high-water mark so far. 2 cores shared with other work, Node 20.',
  '',
);
out.push(
  '| scenario | nodes | churn | codec | lookups | success | rounds med / p99 | latency ms med / p99 | latency RTTs med / p99 | first peer RTTs med | queries med | idle | table entries / good / dead | announce stored on | wall s | events/s | heap / peak RSS MiB |',
  '|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
);
for (const row of [...rows, ...scale.filter((x) => !rows.includes(x))]) out.push(`| ${line(row)} |`);
out.push('');
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
if (scale.length > 1) {
  out.push(
    '- rounds by size (mean): ' +
      scale.map((x) => `${x.r.options.nodes} nodes ${mean(x.r.samples.map((s) => s.rounds)).toFixed(2)}`).join(', ') +
      ' - about one more round per tenfold growth, as log(N) predicts',
  );
}
const st = rows.find((x) => x.name === 'static');
const ch = rows.find((x) => x.name === 'churn');
const okRate = (r: ScenarioResult): number => r.samples.filter((s) => s.ok).length / Math.max(1, r.samples.length);
if (st) {
  out.push(
    `- targets without churn: success >= 99.9 %: ${pct(okRate(st.r))}; median rounds <= 4: ${percentile(st.r.samples.map((s) => s.rounds), 50)}`,
  );
}
if (ch) {
  out.push(
    `- targets with churn: success >= 99 %: ${pct(okRate(ch.r))}; median latency <= 5 RTTs: ${(percentile(ch.r.samples.map((s) => s.latencyMs), 50) / ch.r.meanRttMs).toFixed(2)}; ` +
      `lookups idle while candidates were unqueried: ${ch.r.idleWithWork}; nodes departed / joined: ${ch.r.departed} / ${ch.r.joined}`,
  );
}
out.push('');
const report = out.join('\n');
process.stdout.write(report + '\n');
if (values.append) {
  // Others append too: read it right before writing, and only append.
  const current = readFileSync('bench/RESULTS.md', 'utf8');
  appendFileSync('bench/RESULTS.md', (current.endsWith('\n\n') ? '' : current.endsWith('\n') ? '\n' : '\n\n') + report);
}
