// Every scenario of the swarm simulator at its small scale (the full runs are `npm run sim:swarm`):
// each runs, checks its targets itself and yields the figures, tables and charts of the report.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenarios } from '../../sim/swarm/runner.js';
import { writeReport } from '../../sim/swarm/report.js';
import { SCENARIOS, type ScenarioOutcome } from '../../sim/swarm/scenarios/index.js';

let outcomes: ScenarioOutcome[] = [];
const byName = (n: string): ScenarioOutcome => {
  const o = outcomes.find((x) => x.name === n);
  assert.ok(o, `no outcome for ${n}`);
  return o;
};

before(async () => {
  outcomes = await runScenarios({ scale: 'small', seed: 3 });
});

test('every scenario runs at small scale and reports checks with measured figures', () => {
  assert.deepEqual(outcomes.map((o) => o.name), SCENARIOS.map((s) => s.name));
  for (const o of outcomes) {
    assert.ok(o.checks.length > 0, o.name);
    for (const c of o.checks) assert.ok(c.measured.length > 0 && !c.measured.startsWith('n/a'), `${o.name}: ${c.name}: ${c.measured}`);
    assert.ok(o.runs.length > 0 && o.charts.length > 0, o.name);
  }
});

test('scaling: one run per size, every peer finishes, bounds in the table', () => {
  const o = byName('scaling');
  assert.equal(o.runs.length, 2);
  for (const r of o.runs) assert.equal(r.result.finished, true, r.label);
  const rows = o.tables[0]?.rows ?? [];
  assert.equal(rows.length, 2);
  for (const row of rows) assert.ok(Number(row[4]) > 0 && Number(row[5]) >= Number(row[4]), row.join(' '));
});

test('utilization: per-second utilization stays within the capacity', () => {
  const r = byName('utilization').runs[0]?.result;
  assert.ok(r);
  for (const s of r.samples) {
    assert.ok(s.utilization >= 0 && s.utilization <= 1.02, `t=${s.t}: ${s.utilization}`);
    if (s.leechers > 0) assert.ok(s.usableUtilization >= s.utilization, `t=${s.t}: usable ${s.usableUtilization} < ${s.utilization}`);
  }
});

test('rarest-vs-random: both selections run to completion on the same swarm', () => {
  const o = byName('rarest-vs-random');
  assert.deepEqual(o.runs.map((r) => r.result.config.pieceStrategy), ['rarest', 'random']);
  for (const r of o.runs) assert.equal(r.result.finished, true);
});

test('tit-for-tat: free-riders upload nothing and still finish', () => {
  const r = byName('tit-for-tat').runs[0]?.result;
  assert.ok(r);
  const free = r.peers.filter((p) => p.freeRider);
  assert.equal(free.length, 4);
  for (const p of free) {
    assert.equal(p.uploaded, 0);
    assert.notEqual(p.completeAt, undefined);
  }
});

test('seeder departure and churn: the swarm finishes without its seeder and despite churn', () => {
  for (const n of ['seeder-departure', 'churn']) {
    const c = byName(n).checks[0];
    assert.ok(c?.pass, `${n}: ${c?.measured}`);
  }
});

test('end game: ratios and duplicate bytes are measured', () => {
  const o = byName('endgame');
  assert.equal(o.checks.length, 2);
  assert.match(o.checks[1]?.measured ?? '', /^\d+\.\d+%$/);
});

test('the report: Markdown with the targets table and one SVG per chart', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-sim-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const md = await writeReport(dir, outcomes, { scale: 'small', seed: 3, startedAt: 'test', wallSeconds: 0, node: process.version });
  const text = await readFile(md, 'utf8');
  assert.match(text, /\| scenario \| check \| target \| measured \| result \|/);
  const svgs = (await readdir(dir)).filter((f) => f.endsWith('.svg'));
  assert.equal(svgs.length, outcomes.reduce((n, o) => n + o.charts.length, 0));
  for (const f of svgs) {
    const svg = await readFile(join(dir, f), 'utf8');
    assert.ok(svg.startsWith('<svg') && svg.trimEnd().endsWith('</svg>') && svg.includes('<polyline'), f);
    assert.ok(text.includes(`(${f})`), `${f} not linked`);
  }
  assert.ok(JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')).scenarios.length === outcomes.length);
});
