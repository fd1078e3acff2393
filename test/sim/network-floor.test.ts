import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const floor = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'sim/network-floor.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

test('sim:network-floor: haves flow between random neighbours and the cost per message is reported', () => {
  const r = floor('--hosts', '40', '--degree', '6', '--seconds', '2');
  assert.equal(r.status, 0, r.stderr);
  const m = /^40 hosts, ([\d.]+) connections each, 2 virtual s: (\d+) messages in [\d.]+ CPU s, [\d.]+ us per message, heap \d+ MiB$/m.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.equal(Number(m[1]), 6);
  // 40 hosts verify about 20 pieces each in 2 s, each announced to most of ~6 neighbours.
  assert.ok(Number(m[2]) > 40 * 15 * 3, r.stdout);
});

test('sim:network-floor: a bad option is a usage error, not a stack trace', () => {
  const r = floor('--hosts', '1');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--hosts must be an integer in \[2, 1000000\], got 1/);
  assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/);
});
