// Runs a simulator (sim/swarm.ts or sim/dht.ts) bundled by esbuild, with plain node, for the
// full-scale runs. The simulated code is the same and so are the results (same seed, same
// events); what goes is tsx's per-closure `__name` wrapping, and the V8 limits suit a
// simulator: an old space of SIM_HEAP_MB (default 16384 MiB; 10,000 peers or 100,000 DHT
// nodes need several GiB), a young generation of 256 MiB semi-spaces for its short-lived
// messages (against 64: 11% less CPU at 1,000 peers, 172 -> 154 s; 512 and 1,024 measured the
// same as 256), and garbage collection on the simulator's own thread: a simulation is one
// thread of work, and V8's helper threads would take a second core to shorten pauses without
// saving CPU time (the figure the runs report), on a machine where other runs may need that core.
//
// usage: node scripts/sim-fast.mjs sim/swarm.ts [options of that simulator...]
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const [entry, ...args] = process.argv.slice(2);
if (!entry || !entry.endsWith('.ts')) {
  console.error('usage: node scripts/sim-fast.mjs sim/<simulator>.ts [options...]');
  process.exit(2);
}
mkdirSync(join(root, 'sim/out'), { recursive: true });
// One bundle per run: several runs in parallel (sharing a --cache) must not rewrite each other's.
const out = join('sim/out', `${basename(entry, '.ts')}.${process.pid}.bundle.mjs`);
const build = spawnSync(
  join(root, 'node_modules/.bin/esbuild'),
  [entry, '--bundle', '--platform=node', '--format=esm', '--target=node20', '--packages=external', `--outfile=${out}`, '--log-level=warning'],
  { cwd: root, stdio: 'inherit' },
);
if (build.status !== 0) process.exit(build.status ?? 1);
const heapMb = Number(process.env.SIM_HEAP_MB ?? 16384);
const run = spawnSync(process.execPath, [`--max-old-space-size=${heapMb}`, '--max-semi-space-size=256', '--single-threaded-gc', out, ...args], {
  cwd: root,
  stdio: 'inherit',
  // Simulators never touch a network, but nothing they start may reach beyond this machine.
  env: { ...process.env, SHOAL_DHT_BOOTSTRAP: '', SHOAL_LSD: 'off' },
});
rmSync(join(root, out), { force: true });
process.exit(run.status ?? 1);
