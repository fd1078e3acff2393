// A faster way to run sim/dht.ts for the large networks (100,000 nodes): bundles it with esbuild
// into sim/out/dht.mjs and runs that with plain node. The simulated code is the same and the
// report is the same bit for bit (same seed, same events); what goes is tsx's per-closure
// `__name` wrapping (about a tenth of the time in a profile) and, with a larger young generation,
// much of the garbage collector's work on the simulator's short-lived messages.
//
// usage: tsx sim/dht/fast.ts [sim/dht.ts options...]
//   env SIM_HEAP_MB: V8 old-space limit in MiB (default 16384; 100,000 nodes need several GiB)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = 'sim/out/dht.mjs';
const build = spawnSync(
  `${root}node_modules/.bin/esbuild`,
  ['sim/dht.ts', '--bundle', '--platform=node', '--format=esm', '--target=node20', `--outfile=${out}`, '--log-level=warning'],
  { cwd: root, stdio: 'inherit' },
);
if (build.status !== 0) process.exit(build.status ?? 1);
const heapMb = Number(process.env.SIM_HEAP_MB ?? 16384);
const r = spawnSync(process.execPath, [`--max-old-space-size=${heapMb}`, '--max-semi-space-size=64', out, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, SHOAL_DHT_BOOTSTRAP: '', SHOAL_LSD: 'off', SHOAL_SIM_RUNNER: 'tsx sim/dht/fast.ts' },
});
process.exit(r.status ?? 1);
