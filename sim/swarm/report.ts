// The simulator's report: one Markdown file with every scenario's setup, pass/fail checks, tables
// and charts (SVG files next to it), plus a JSON file of the figures for other tools.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScenarioOutcome, Scale } from './scenarios/index.js';
import { lineChart } from './svg.js';

export interface ReportMeta {
  readonly scale: Scale;
  readonly seed: number;
  readonly startedAt: string;
  readonly wallSeconds: number;
  readonly node: string;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function renderMarkdown(outcomes: readonly ScenarioOutcome[], meta: ReportMeta): string {
  const out: string[] = [];
  out.push('# shoal swarm simulation report', '');
  out.push(`Scale **${meta.scale}**, seed ${meta.seed}, started ${meta.startedAt}, ${meta.wallSeconds.toFixed(0)} s wall time, ${meta.node}.`);
  out.push('Every peer runs shoal\'s Torrent engine unchanged (piece picker, choker, request pipelining, end game); ' +
    'links, time and discovery are simulated (sim/swarm/). Same seed, same figures.', '');
  out.push('## Targets', '');
  const rows: string[][] = [];
  for (const o of outcomes) for (const c of o.checks) rows.push([o.name, c.name, c.target, c.measured, c.pass ? 'PASS' : 'FAIL']);
  out.push(table(['scenario', 'check', 'target', 'measured', 'result'], rows), '');
  out.push('## Runs', '');
  const runRows: string[][] = [];
  for (const o of outcomes) {
    for (const r of o.runs) {
      const st = r.result.stats;
      const cpu = st.cpuMs / 1000;
      runRows.push([o.name, r.label, String(r.result.peers.length), (st.virtualMs / 1000).toFixed(0), cpu.toFixed(1),
        (st.wallMs / 1000).toFixed(1), `${Math.round(st.events / cpu).toLocaleString('en')}`,
        `${Math.round(st.messages / cpu).toLocaleString('en')}`, (st.peakHeapBytes / 2 ** 20).toFixed(0),
        (st.peakRssBytes / 2 ** 20).toFixed(0)]);
    }
  }
  out.push(table(['scenario', 'run', 'peers', 'virtual s', 'CPU s', 'wall s', 'events / CPU s', 'messages / CPU s',
    'peak heap MiB', 'peak RSS MiB'], runRows), '');
  out.push('Events are clock tasks (engine timers, uplink turns, delivery batches); messages are peer wire messages delivered. ' +
    'A run shared by several scenarios is listed under each.', '');
  for (const o of outcomes) {
    out.push(`## ${o.title} (\`${o.name}\`)`, '', o.setup, '');
    for (const c of o.checks) out.push(`- **${c.pass ? 'PASS' : 'FAIL'}** ${c.name}: ${c.measured} (target ${c.target})`);
    out.push('');
    for (const t of o.tables) out.push(`**${t.title}**`, '', table(t.header, t.rows), '');
    for (const c of o.charts) out.push(`![${c.spec.title}](${c.file}.svg)`, '');
    const warnings = new Map<string, number>();
    for (const r of o.runs) for (const [k, v] of r.result.warnings) warnings.set(k, (warnings.get(k) ?? 0) + v);
    if (warnings.size > 0) {
      out.push(`Engine warnings: ${[...warnings].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ×${v}`).join(', ')}.`, '');
    }
  }
  return out.join('\n');
}

/** Figures only (no per-peer data), for scripts. */
export function renderJson(outcomes: readonly ScenarioOutcome[], meta: ReportMeta): string {
  return JSON.stringify({
    meta,
    scenarios: outcomes.map((o) => ({
      name: o.name,
      checks: o.checks,
      tables: o.tables,
      runs: o.runs.map((r) => ({ label: r.label, stats: r.result.stats, finished: r.result.finished })),
    })),
  }, null, 2);
}

export async function writeReport(dir: string, outcomes: readonly ScenarioOutcome[], meta: ReportMeta): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const o of outcomes) for (const c of o.charts) await writeFile(join(dir, `${c.file}.svg`), lineChart(c.spec));
  const md = join(dir, 'report.md');
  await writeFile(md, renderMarkdown(outcomes, meta));
  await writeFile(join(dir, 'results.json'), renderJson(outcomes, meta));
  return md;
}
