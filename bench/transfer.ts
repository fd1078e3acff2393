// bench:transfer — one file, one seeder, one leecher on loopback, for every pairing of shoal and
// libtorrent (the reference) in the same run: throughput, CPU seconds per GiB and peak RSS of the
// leecher and the seeder separately, and shoal's ratios to libtorrent→libtorrent.
//
// shoal runs as the built CLI (`node bin/shoal.js`, after `npm run build`); libtorrent 2.0 through
// bench/py/lt_bench.py with default settings except loopback-only listening, DHT/LSD/UPnP/NAT-PMP
// off and TCP only (see that file). Seeders start first and are ready before the clock starts
// (shoal trusts its resume file, written by a warm-up start; libtorrent checks the data first).
// Timed: leecher start to exit, and the transfer phase from its first progress line with payload
// to its 'done' line. Leecher CPU and peak RSS come from GNU time at its exit; the seeder's CPU is
// its /proc delta over the leecher's lifetime, its peak RSS the kernel's VmHWM. Each leecher writes
// to a fresh folder, and its output is compared byte for byte with the source after every run.
//
// usage: npm run bench:transfer -- [--runs N] [--size 1G] [--pairs lt-lt,shoal-shoal,lt-shoal,shoal-lt]
//          [--rss-only] [--profile] [--json] [--no-build] [--no-results] [--dir /tmp/shoal-bench] [--out-dir DIR] [--utp]
//   --rss-only   shoal→shoal only, at 1 GiB and at --size (default 4G): is the leecher's RSS flat?
//   --out-dir    where leechers write (default --dir); a tmpfs such as /dev/shm takes the disk out
//   --profile    one extra shoal→shoal run under `node --cpu-prof`, untimed; prints top self times
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { summariseProfile } from './lib/cpuprofile.js';
import { ensureDataFile, ensureTorrent, parseSize, sizeLabel } from './lib/data.js';
import { PeerProcess } from './lib/peer-process.js';
import { ProcMonitor } from './lib/proc.js';
import { median, pairLabel, ratioLines, ratios, summarise, table, type Impl, type Pair, type PairSummary, type RunResult } from './lib/report.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const SHOAL = join(repo, 'bin', 'shoal.js');
/** The Node flags the `shoal` command runs with (its shebang line): the bench runs it the same way. */
const SHOAL_NODE_FLAGS = (/^#!.*?node(.*)$/m.exec(readFileSync(SHOAL, 'utf8').split('\n')[0] ?? '')?.[1] ?? '').split(' ').filter((f) => f.startsWith('--'));
const LT = join(repo, 'bench', 'py', 'lt_bench.py');
const PY = '/usr/bin/python3';
const GiB = 2 ** 30;
const PIECE = 2 ** 20;

const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string' },
    size: { type: 'string' },
    pairs: { type: 'string' },
    'rss-only': { type: 'boolean' },
    profile: { type: 'boolean' },
    json: { type: 'boolean' },
    'no-build': { type: 'boolean' },
    'no-results': { type: 'boolean' },
    dir: { type: 'string' },
    utp: { type: 'boolean' },
    timeout: { type: 'string' },
    'out-dir': { type: 'string' },
  },
});
const rssOnly = opt['rss-only'] ?? false;
const RUNS = Number(opt.runs ?? (rssOnly ? 1 : 3));
const SIZE = parseSize(opt.size ?? (rssOnly ? '4G' : '1G'));
const work = opt.dir ?? '/tmp/shoal-bench';
/** Where leechers write (default next to the data; e.g. /dev/shm/... takes the disk out of the figures). */
const outBase = opt['out-dir'] ?? work;
const log = (s: string): void => void process.stderr.write(`${s}\n`);

const NAMES: Record<string, Impl> = { lt: 'libtorrent', libtorrent: 'libtorrent', shoal: 'shoal' };
function parsePairs(text: string): Pair[] {
  return text.split(',').map((t) => {
    const [s, l] = t.trim().split('-');
    const seeder = NAMES[s ?? ''];
    const leecher = NAMES[l ?? ''];
    if (!seeder || !leecher) throw new Error(`--pairs: '${t}' is not SEEDER-LEECHER (lt or shoal)`);
    return { seeder, leecher };
  });
}
const PAIRS = rssOnly ? parsePairs('shoal-shoal') : parsePairs(opt.pairs ?? 'lt-lt,shoal-shoal,lt-shoal,shoal-lt');

interface Input {
  readonly size: number;
  readonly data: string;
  readonly torrent: string;
  readonly infoHash: string;
}

function build(): void {
  log('building (npm run build)...');
  const r = spawnSync('npm', ['run', 'build'], { cwd: repo, encoding: 'utf8', timeout: 300_000 });
  if (!existsSync(join(repo, 'dist', 'cli', 'main.js'))) throw new Error(`build failed:\n${r.stdout}${r.stderr}`);
  if (r.status !== 0) log(`note: tsc reported errors; measuring dist/ as emitted anyway:\n${(r.stdout + r.stderr).split('\n').filter((l) => l.includes('error')).slice(0, 5).join('\n')}`);
}

function prepare(size: number): Input {
  const data = join(work, `data-${sizeLabel(size)}.bin`);
  const t0 = performance.now();
  if (ensureDataFile(data, size) === 'created') log(`wrote ${data} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const torrent = join(work, `data-${sizeLabel(size)}.torrent`);
  const infoHash = ensureTorrent(SHOAL, data, torrent, PIECE);
  // Page cache: every seeder reads the same warm file.
  spawnSync('cat', [data], { stdio: 'ignore', timeout: 300_000 });
  return { size, data, torrent, infoHash };
}

const seedTimeout = (size: number): number => 60_000 + 30_000 * (size / GiB);
const transferTimeout = (size: number): number => (opt.timeout ? Number(opt.timeout) * 1000 : Math.max(120_000, 120_000 * (size / GiB)));

function startSeeder(impl: Impl, input: Input, nodeFlags: readonly string[] = []): PeerProcess {
  const cmd = impl === 'shoal'
    ? [process.execPath, ...SHOAL_NODE_FLAGS, ...nodeFlags, SHOAL, 'seed', input.torrent, '--dir', work, '--host', '127.0.0.1', '--no-dht', '--no-lsd', '--json-progress']
    : [PY, LT, 'seed', input.torrent, work, ...(opt.utp ? ['--utp'] : [])];
  return new PeerProcess({ name: `${impl} seeder`, cmd });
}

/** Port of a ready seeder, and what shoal trusted at start ('resume' or 'check'). */
async function seederReady(p: PeerProcess, impl: Impl, size: number): Promise<{ port: number; from?: string }> {
  if (impl === 'libtorrent') {
    const l = await p.waitFor((m) => m.event === 'ready', seedTimeout(size), 'ready line');
    return { port: Number(l.msg.port) };
  }
  const l = await p.waitFor((m) => m.event === 'started', seedTimeout(size), "'started' line");
  if (l.msg.have !== l.msg.pieces) throw new Error(`shoal seeder has ${String(l.msg.have)}/${String(l.msg.pieces)} pieces`);
  return { port: Number(l.msg.port), from: String(l.msg.from) };
}

/** A first seeding start writes shoal's resume file, so timed starts skip the data check. */
async function warmShoalSeeder(input: Input): Promise<void> {
  if (existsSync(join(work, '.shoal', `${input.infoHash}.resume`))) return;
  log(`warm-up: shoal seeder checks ${basename(input.data)} once and saves its resume file`);
  const s = startSeeder('shoal', input);
  try {
    await seederReady(s, 'shoal', input.size);
  } finally {
    await s.stop();
  }
  if (!existsSync(join(work, '.shoal', `${input.infoHash}.resume`))) log('note: the shoal seeder wrote no resume file; timed seeder starts will check the data');
}

const payload = (impl: Impl, m: Record<string, unknown>): number => Number(impl === 'shoal' ? m.downloaded : m.bytes);

async function runOnce(pair: Pair, input: Input, profileDir?: string): Promise<RunResult> {
  const notes: string[] = [];
  const load1 = loadavg()[0] ?? NaN;
  const leechDir = join(outBase, `leech-${sizeLabel(input.size)}`);
  rmSync(leechDir, { recursive: true, force: true });
  mkdirSync(leechDir, { recursive: true });
  const prof = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const seeder = startSeeder(pair.seeder, input, prof);
  let leecher: PeerProcess | undefined;
  let seederMon: ProcMonitor | undefined;
  let leechMon: ProcMonitor | undefined;
  try {
    const { port, from } = await seederReady(seeder, pair.seeder, input.size);
    if (from && from !== 'resume') notes.push(`shoal seeder started from a ${from}, not resume data`);
    seederMon = new ProcMonitor(() => seeder.pid);
    const seederCpu0 = seederMon.last?.cpu ?? NaN;
    const timeFile = join(work, 'leecher.time');
    const peer = `127.0.0.1:${port}`;
    const cmd = pair.leecher === 'shoal'
      ? [process.execPath, ...SHOAL_NODE_FLAGS, ...prof, SHOAL, 'download', input.torrent, '-o', leechDir, '--peer', peer, '--host', '127.0.0.1', '--no-dht', '--no-lsd', '--json-progress']
      : [PY, LT, 'download', input.torrent, leechDir, '--peer', peer, '--timeout', String(transferTimeout(input.size) / 1000), ...(opt.utp ? ['--utp'] : [])];
    leecher = new PeerProcess({ name: `${pair.leecher} leecher`, cmd, timeFile });
    const l = leecher;
    let leecherPid: number | undefined;
    leechMon = new ProcMonitor(() => (leecherPid ??= l.programPid));
    const exit = await leecher.waitExit(transferTimeout(input.size));
    const seederEnd = seederMon.poll();
    seederMon.stop();
    leechMon.stop();
    if (exit.code !== 0) throw new Error(`${pair.leecher} leecher exited with ${exit.code ?? exit.signal}: ${JSON.stringify(leecher.lines.at(-1)?.msg ?? {})}`);
    const time = leecher.timeReport();
    if (!time) throw new Error('no GNU time report for the leecher');

    const first = leecher.lines.find((x) => x.msg.event === 'progress' && payload(pair.leecher, x.msg) > 0);
    const done = leecher.lines.find((x) => x.msg.event === 'done');
    if (!done) throw new Error(`${pair.leecher} leecher exited 0 without a 'done' line`);
    const transports = done.msg.transports;
    if (Array.isArray(transports) && transports.some((t) => t !== 'tcp')) notes.push(`libtorrent leecher used ${transports.join('+')}`);
    const wallS = (exit.at - leecher.startedAt) / 1000;
    const t0 = first ?? { at: leecher.startedAt, msg: { downloaded: 0, bytes: 0 } };
    const transferS = (done.at - t0.at) / 1000;
    const left = input.size - payload(pair.leecher, t0.msg);

    // Verify before the folder goes: the whole file, byte for byte.
    const out = join(leechDir, basename(input.data));
    const outSize = existsSync(out) ? statSync(out).size : -1;
    if (outSize !== input.size) throw new Error(`leecher output ${out} has ${outSize} bytes, expected ${input.size}`);
    const cmp = spawnSync('cmp', ['-s', input.data, out], { timeout: 300_000 });
    if (cmp.status !== 0) throw new Error(`leecher output ${out} differs from ${input.data}`);

    const gib = input.size / GiB;
    const seederCpu = (seederEnd?.cpu ?? NaN) - seederCpu0;
    return {
      pair,
      size: input.size,
      wallS,
      transferS,
      mbps: input.size / 1e6 / wallS,
      transferMbps: left / 1e6 / transferS,
      leecher: { cpuPerGiB: time.cpu / gib, peakRss: Math.max(time.maxRss, leechMon.peakRss), peakAnon: leechMon.peakAnon },
      seeder: { cpuPerGiB: seederCpu / gib, peakRss: Math.max(seederMon.peakRss, seederEnd?.hwm ?? 0), peakAnon: seederMon.peakAnon },
      leecherDetail: { user: time.user, sys: time.sys, minorFaults: time.minorFaults, voluntarySwitches: time.voluntarySwitches, involuntarySwitches: time.involuntarySwitches },
      notes,
      load1,
      pids: { seeder: seeder.pid, leecher: leecherPid },
    };
  } finally {
    seederMon?.stop();
    leechMon?.stop();
    await leecher?.stop();
    await seeder.stop();
    rmSync(leechDir, { recursive: true, force: true });
    settle();
  }
}

/** Flushes the file system the leechers write to, so one run's writeback does not slow the next. */
function settle(): void {
  spawnSync('sync', ['-f', outBase], { timeout: 120_000 });
}

/** The disk alone: a fresh copy of the data file into the leechers' folder (dd, 1 MiB blocks, no fsync). */
function diskBaseline(input: Input): number {
  const out = join(outBase, 'dd-baseline.bin');
  rmSync(out, { force: true });
  const t0 = performance.now();
  const r = spawnSync('dd', [`if=${input.data}`, `of=${out}`, 'bs=1M'], { stdio: 'ignore', timeout: 300_000 });
  const s = (performance.now() - t0) / 1000;
  rmSync(out, { force: true });
  settle();
  return r.status === 0 ? input.size / 1e6 / s : NaN;
}

function describe(r: RunResult): string {
  return `${pairLabel(r.pair)} ${sizeLabel(r.size)} (load ${r.load1.toFixed(1)}): ${r.mbps.toFixed(1)} MB/s (transfer ${r.transferMbps.toFixed(1)}), ` +
    `CPU/GiB leecher ${r.leecher.cpuPerGiB.toFixed(2)} s, seeder ${r.seeder.cpuPerGiB.toFixed(2)} s, ` +
    `peak RSS leecher ${Math.round(r.leecher.peakRss / 2 ** 20)} MiB, seeder ${Math.round(r.seeder.peakRss / 2 ** 20)} MiB; ` +
    `leecher user ${r.leecherDetail.user.toFixed(2)} s sys ${r.leecherDetail.sys.toFixed(2)} s, ${r.leecherDetail.minorFaults} minor faults, ` +
    `${r.leecherDetail.voluntarySwitches}+${r.leecherDetail.involuntarySwitches} context switches` +
    (r.notes.length ? ` [${r.notes.join('; ')}]` : '');
}

interface ProfileReport {
  readonly role: string;
  readonly file: string;
  readonly summary: ReturnType<typeof summariseProfile>;
}

async function profileRun(input: Input): Promise<ProfileReport[]> {
  const dir = join(work, 'profile');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log('profile: one shoal→shoal run under node --cpu-prof (untimed)');
  const r = await runOnce({ seeder: 'shoal', leecher: 'shoal' }, input, dir);
  log(`  ${describe(r)}`);
  // Node names profiles CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main one.
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  const out: ProfileReport[] = [];
  for (const f of files) {
    const [, , , pid, thread] = f.split('.');
    const who = Number(pid) === r.pids.seeder ? 'seeder' : Number(pid) === r.pids.leecher ? 'leecher' : `pid ${pid}`;
    const role = `${who} ${thread === '0' ? 'main thread' : `thread ${thread}`}`;
    out.push({ role, file: join(dir, f), summary: summariseProfile(join(dir, f), 15, repo) });
  }
  return out;
}

function libtorrentVersion(): string {
  const r = spawnSync(PY, ['-c', 'import libtorrent as lt; print(lt.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unavailable';
}

function gitRev(): string {
  const rev = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: repo, encoding: 'utf8' }).stdout.trim();
  return dirty ? `${rev} + uncommitted src changes` : rev;
}

async function main(): Promise<void> {
  mkdirSync(work, { recursive: true });
  if (!opt['no-build']) build();
  const sizes = rssOnly && SIZE !== GiB ? [GiB, SIZE] : [SIZE];
  const inputs = sizes.map(prepare);
  if (PAIRS.some((p) => p.seeder === 'shoal')) for (const i of inputs) await warmShoalSeeder(i);
  log(`bench:transfer: ${sizes.map(sizeLabel).join(' + ')} file, piece length ${PIECE / 2 ** 20} MiB, ${RUNS} run(s) of ${PAIRS.map(pairLabel).join(', ')} in ${work}`);

  mkdirSync(outBase, { recursive: true });
  const results = new Map<string, RunResult[]>();
  const disk: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    disk.push(diskBaseline(inputs[0] as Input));
    log(`  run ${run}/${RUNS} disk: dd of a fresh ${sizeLabel((inputs[0] as Input).size)} file into ${outBase}: ${(disk.at(-1) as number).toFixed(0)} MB/s`);
    for (const input of inputs) {
      for (const pair of PAIRS) {
        const r = await runOnce(pair, input);
        const key = `${sizeLabel(input.size)} ${pairLabel(pair)}`;
        results.set(key, [...(results.get(key) ?? []), r]);
        log(`  run ${run}/${RUNS} ${describe(r)}`);
      }
    }
  }
  const rows: PairSummary[] = [];
  for (const input of inputs) for (const pair of PAIRS) rows.push(summarise(pair, input.size, results.get(`${sizeLabel(input.size)} ${pairLabel(pair)}`) ?? []));
  const profile = opt.profile ? await profileRun(inputs[0] as Input) : [];

  const main1 = rows.filter((r) => r.size === (inputs[0] as Input).size);
  const rs = rssOnly ? [] : ratios(main1);
  const flat = rssOnly && rows.length === 2 ? (rows[1] as PairSummary).median.leecher.peakRss / (rows[0] as PairSummary).median.leecher.peakRss : undefined;
  const tableText = table(rows, rssOnly);
  const diskLine = `- disk alone (dd of a fresh ${sizeLabel((inputs[0] as Input).size)} file into the leechers' folder ${outBase}, 1 MiB blocks, no fsync; once per round): median ${median(disk).toFixed(0)} MB/s, runs ${disk.map((x) => x.toFixed(0)).join(', ')}`;
  const lines = rssOnly
    ? [`- shoal→shoal leecher peak RSS at ${sizeLabel(SIZE)} / at 1G: ${flat?.toFixed(2) ?? '-'}x (flat in file size if ~1); under 128 MiB at every size: ${rows.every((r) => r.median.leecher.peakRss < 128 * 2 ** 20) ? 'yes' : 'NO'}`]
    : ratioLines(rs);
  lines.push(diskLine);
  const loads = rows.flatMap((r) => r.runs.map((x) => x.load1));
  lines.push(`- 1-minute load average at the start of each run (2 cores, shared with other work): ${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)}, median ${median(loads).toFixed(1)}`);
  const command = `npm run bench:transfer -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, '');
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, libtorrent ${libtorrentVersion()}`;
  const date = new Date().toISOString().slice(0, 10);
  const commit = gitRev();

  if (opt.json) {
    process.stdout.write(JSON.stringify({ date, command, commit, machine, pieceLength: PIECE, runs: RUNS, outDir: outBase, diskMBps: disk, rows, ratios: rs, flatness: flat, profile }, null, 2) + '\n');
  } else {
    process.stdout.write(`\n${tableText}\n\n${lines.join('\n')}\n`);
    for (const p of profile) {
      process.stdout.write(`\nprofile ${p.role} (${basename(p.file)}): ${p.summary.totalMs.toFixed(0)} ms sampled, ${(p.summary.idleShare * 100).toFixed(0)}% idle\n`);
      for (const t of p.summary.top) process.stdout.write(`  ${t.ms.toFixed(0).padStart(6)} ms ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.name}  ${t.where}\n`);
    }
  }

  if (!opt['no-results']) {
    const path = join(repo, 'bench', 'RESULTS.md');
    const before = readFileSync(path, 'utf8'); // re-read right before appending: others append too
    const section = [
      `## bench:transfer${rssOnly ? ' --rss-only' : ''}${opt['out-dir'] ? ` --out-dir ${outBase}` : ''} (${date})`,
      '',
      `Command: \`${command}\`. ${sizes.map(sizeLabel).join(' and ')} deterministic file, v1 torrent with ${PIECE / 2 ** 20} MiB pieces, one seeder and one leecher on 127.0.0.1 over TCP, the leecher writing to ${outBase}; ${machine}; shoal at ${commit} (built CLI). ` +
        `Median of ${RUNS} run(s) per pair, pairs interleaved. MB/s = 10^6 bytes/s from leecher start to exit; transfer MB/s from its first payload to done. ` +
        'CPU = user + system seconds of all threads (leecher: whole process; seeder: during the transfer). Peak RSS = VmHWM; anon = peak RssAnon (libtorrent maps files, so its RSS counts page cache).' +
        (PAIRS.some((p) => p.seeder === 'libtorrent' || p.leecher === 'libtorrent')
          ? ` libtorrent: default settings except loopback listen, DHT/LSD/UPnP/NAT-PMP off, ${opt.utp ? 'uTP allowed' : 'TCP only (its default uTP crawls on loopback)'}; its seeder checks the data before the clock starts, shoal's trusts its resume file.`
          : ' The shoal seeder trusts its resume file (written by a warm-up start).'),
      '',
      tableText,
      '',
      ...lines,
      ...[...new Set(rows.flatMap((r) => r.runs.flatMap((x) => x.notes)))].map((n) => `- note: ${n}`),
      '',
    ].join('\n');
    appendFileSync(path, `${before.endsWith('\n\n') ? '' : before.endsWith('\n') ? '\n' : '\n\n'}${section}`);
    log(`appended to ${path}`);
  }
}

await main();
