// bench:transfer figures: per-run results, their medians, the table and the ratios to the
// libtorrent reference, as text for the terminal and Markdown for bench/RESULTS.md.

export type Impl = 'libtorrent' | 'shoal';

export interface Pair {
  readonly seeder: Impl;
  readonly leecher: Impl;
}

export const pairLabel = (p: Pair): string => `${p.seeder}→${p.leecher}`;

export interface SideFigures {
  /** CPU seconds (user + system, all threads) per GiB moved */
  readonly cpuPerGiB: number;
  /** peak resident set, bytes (VmHWM) */
  readonly peakRss: number;
  /** peak anonymous resident memory, bytes (excludes mapped file pages) */
  readonly peakAnon: number;
}

export interface RunResult {
  readonly pair: Pair;
  readonly size: number;
  /** leecher start to its exit, seconds */
  readonly wallS: number;
  /** first progress line with payload > 0 to the 'done' line, seconds */
  readonly transferS: number;
  /** size / wallS, 10^6 bytes per second */
  readonly mbps: number;
  /** bytes still to come at the first payload line / transferS, 10^6 bytes per second */
  readonly transferMbps: number;
  readonly leecher: SideFigures;
  readonly seeder: SideFigures;
  /** the leecher's user and system CPU seconds, minor page faults and context switches (GNU time) */
  readonly leecherDetail: { readonly user: number; readonly sys: number; readonly minorFaults: number; readonly voluntarySwitches: number; readonly involuntarySwitches: number };
  readonly notes: readonly string[];
  /** 1-minute load average when the run started: the machine is shared */
  readonly load1: number;
  readonly pids: { readonly seeder?: number | undefined; readonly leecher?: number | undefined };
}

export interface PairSummary {
  readonly pair: Pair;
  readonly label: string;
  readonly size: number;
  readonly runs: readonly RunResult[];
  /** each figure the median of its runs */
  readonly median: Omit<RunResult, 'pair' | 'size' | 'notes' | 'pids' | 'leecherDetail' | 'load1'>;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? (s[(n - 1) / 2] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
}

export function summarise(pair: Pair, size: number, runs: readonly RunResult[]): PairSummary {
  const m = (f: (r: RunResult) => number): number => median(runs.map(f));
  const side = (k: 'leecher' | 'seeder'): SideFigures => ({
    cpuPerGiB: m((r) => r[k].cpuPerGiB),
    peakRss: m((r) => r[k].peakRss),
    peakAnon: m((r) => r[k].peakAnon),
  });
  return {
    pair,
    label: pairLabel(pair),
    size,
    runs,
    median: {
      wallS: m((r) => r.wallS),
      transferS: m((r) => r.transferS),
      mbps: m((r) => r.mbps),
      transferMbps: m((r) => r.transferMbps),
      leecher: side('leecher'),
      seeder: side('seeder'),
    },
  };
}

const MiB = 2 ** 20;
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '-');
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '-');
const mem = (s: SideFigures): string => `${Math.round(s.peakRss / MiB)} (${Math.round(s.peakAnon / MiB)})`;

/** A Markdown table: readable as is on a terminal, and pasted as is into RESULTS.md. */
export function table(rows: readonly PairSummary[], withSize = false): string {
  const head = [
    ...(withSize ? ['size'] : []),
    'seeder→leecher', 'MB/s', 'transfer MB/s', 'wall s',
    'leecher CPU s/GiB', 'seeder CPU s/GiB', 'leecher peak RSS MiB (anon)', 'seeder peak RSS MiB (anon)', 'runs',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < (withSize ? 2 : 1) ? '---' : '---:')).join('|')}|`];
  for (const r of rows) {
    const x = r.median;
    const cells = [
      ...(withSize ? [`${r.size / 2 ** 30} GiB`] : []),
      r.label, f1(x.mbps), f1(x.transferMbps), f2(x.wallS),
      f2(x.leecher.cpuPerGiB), f2(x.seeder.cpuPerGiB), mem(x.leecher), mem(x.seeder), String(r.runs.length),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

export interface Ratio {
  readonly what: string;
  readonly value: number;
  readonly target?: string;
  readonly pass?: boolean;
}

/** shoal's figures over the libtorrent→libtorrent reference, with the issue's targets. */
export function ratios(rows: readonly PairSummary[]): Ratio[] {
  const find = (s: Impl, l: Impl): PairSummary | undefined => rows.find((r) => r.pair.seeder === s && r.pair.leecher === l);
  const ref = find('libtorrent', 'libtorrent')?.median;
  const ss = find('shoal', 'shoal')?.median;
  const ls = find('libtorrent', 'shoal')?.median;
  const sl = find('shoal', 'libtorrent')?.median;
  const out: Ratio[] = [];
  if (ss) {
    out.push({ what: 'shoal→shoal leecher peak RSS, MiB', value: ss.leecher.peakRss / MiB, target: '< 128', pass: ss.leecher.peakRss < 128 * MiB });
  }
  if (!ref) return out;
  const total = (x: typeof ref): number => x.leecher.cpuPerGiB + x.seeder.cpuPerGiB;
  if (ss) {
    const tp = ss.mbps / ref.mbps;
    const cpu = total(ss) / total(ref);
    out.push(
      { what: 'shoal→shoal throughput / libtorrent→libtorrent', value: tp, target: '>= 3', pass: tp >= 3 },
      { what: 'same, transfer phase only', value: ss.transferMbps / ref.transferMbps },
      { what: 'shoal→shoal CPU per GiB (seeder + leecher) / reference', value: cpu, target: '<= 0.5', pass: cpu <= 0.5 },
      { what: 'shoal leecher CPU per GiB / libtorrent leecher (both pairs native)', value: ss.leecher.cpuPerGiB / ref.leecher.cpuPerGiB, target: '<= 0.5', pass: ss.leecher.cpuPerGiB <= 0.5 * ref.leecher.cpuPerGiB },
      { what: 'shoal seeder CPU per GiB / libtorrent seeder (both pairs native)', value: ss.seeder.cpuPerGiB / ref.seeder.cpuPerGiB, target: '<= 0.5', pass: ss.seeder.cpuPerGiB <= 0.5 * ref.seeder.cpuPerGiB },
    );
  }
  if (ls) {
    out.push(
      { what: 'libtorrent→shoal throughput / reference (shoal leeching)', value: ls.mbps / ref.mbps },
      { what: 'libtorrent→shoal leecher CPU per GiB / reference leecher', value: ls.leecher.cpuPerGiB / ref.leecher.cpuPerGiB },
    );
  }
  if (sl) {
    out.push(
      { what: 'shoal→libtorrent throughput / reference (shoal seeding)', value: sl.mbps / ref.mbps },
      { what: 'shoal→libtorrent seeder CPU per GiB / reference seeder', value: sl.seeder.cpuPerGiB / ref.seeder.cpuPerGiB },
    );
  }
  return out;
}

export function ratioLines(rs: readonly Ratio[]): string[] {
  return rs.map((r) => `- ${r.what}: ${r.what.includes('MiB') ? Math.round(r.value) : `${r.value.toFixed(2)}x`}${r.target ? ` (target ${r.target}: ${r.pass ? 'met' : 'NOT met'})` : ''}`);
}
