// Runs the test tiers named on the command line with Node's own test runner (through tsx).
// Tiers: unit (test/**/*.test.ts), property (test/**/*.property.test.ts), interop (test/interop/**).
// One runner process for all of them, so the run ends on one summary.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const tiers = new Set(process.argv.slice(2));
if (tiers.size === 0) for (const t of ['unit', 'property', 'interop']) tiers.add(t);

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name === 'fixtures') continue;
      out.push(...walk(p));
    } else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

function tierOf(file) {
  if (file.startsWith(join('test', 'interop'))) return 'interop';
  if (file.endsWith('.property.test.ts')) return 'property';
  return 'unit';
}

const files = walk('test').filter((f) => tiers.has(tierOf(f))).sort();
if (files.length === 0) {
  console.error('run-tests: no test files for tiers', [...tiers].join(', '));
  process.exit(1);
}
// Nothing a test starts may reach beyond this machine: the DHT gets no public bootstrap routers
// and Local Service Discovery (LAN multicast) stays off unless a test sets its own.
const env = { ...process.env, SHOAL_DHT_BOOTSTRAP: process.env.SHOAL_DHT_BOOTSTRAP ?? '', SHOAL_LSD: 'off' };
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env,
});
process.exit(r.status ?? 1);
