// Local Service Discovery beyond loopback (BEP 14): two shoal processes in separate network
// namespaces, joined only by a veth pair (198.51.100.1 and .2, TEST-NET-2), find each other
// through the real multicast group 239.192.152.143:6771 and complete a download, with no
// tracker, no DHT and no --peer. The namespaces have no other interface, so the multicast never
// leaves this pair.
//
// Needs root and iproute2 (`ip netns`). Without them the test is skipped, except under CI=true
// where it fails: CI runs as root and a silently skipped LAN test would prove nothing. The
// namespaces and the veth pair are removed by name whatever happens.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTorrent } from '../../src/create/index.js';
import { spawnProcess, type ManagedProcess } from './harness/process.js';
import { REPO_ROOT, SHOAL_DEV } from './harness/shoal.js';
import { findExecutable, makeRandomFile, sha256File, tmpDir } from './harness/tools.js';

const underCi = process.env.CI === 'true' || process.env.CI === '1';
const tag = String(process.pid % 100_000);
const NS_A = `shoal-lsd-a-${tag}`;
const NS_B = `shoal-lsd-b-${tag}`;
// Interface names are at most 15 characters.
const VETH_A = `slsda${tag}`;
const VETH_B = `slsdb${tag}`;
const ADDR_A = '198.51.100.1';
const ADDR_B = '198.51.100.2';

function ip(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('ip', args, { timeout: 10_000, encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** Skips (or, under CI, fails) when namespaces cannot be made here. */
async function requireNetns(t: TestContext): Promise<boolean> {
  let why: string | undefined;
  if (process.getuid?.() !== 0) why = 'needs root for ip netns';
  else if ((await findExecutable('ip')) === undefined) why = "'ip' (iproute2) is not installed";
  else {
    const probe = `shoal-lsd-probe-${tag}`;
    const r = ip(['netns', 'add', probe]);
    ip(['netns', 'del', probe]);
    if (!r.ok) why = `ip netns add failed: ${r.out.trim()}`;
  }
  if (why === undefined) return true;
  if (underCi) throw new Error(`LSD namespace test cannot run under CI: ${why}`);
  t.skip(why);
  return false;
}

function teardown(): void {
  // Deleting a namespace deletes the veth end inside it, and with it its peer.
  ip(['netns', 'del', NS_A]);
  ip(['netns', 'del', NS_B]);
  ip(['link', 'del', VETH_A]);
}

function setup(): void {
  teardown(); // leftovers of a killed run with the same pid
  const steps: string[][] = [
    ['netns', 'add', NS_A],
    ['netns', 'add', NS_B],
    ['link', 'add', VETH_A, 'type', 'veth', 'peer', 'name', VETH_B],
    ['link', 'set', VETH_A, 'netns', NS_A],
    ['link', 'set', VETH_B, 'netns', NS_B],
  ];
  for (const [ns, dev, addr] of [
    [NS_A, VETH_A, ADDR_A],
    [NS_B, VETH_B, ADDR_B],
  ] as const) {
    steps.push(
      ['-n', ns, 'link', 'set', 'lo', 'up'],
      ['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev],
      ['-n', ns, 'link', 'set', dev, 'up'],
      // No default route in the namespace: multicast needs a route to leave by the veth.
      ['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', dev],
    );
  }
  for (const s of steps) {
    const r = ip(s);
    if (!r.ok) throw new Error(`ip ${s.join(' ')} failed: ${r.out.trim()}`);
  }
}

/** shoal inside a namespace; LSD on, DHT off, no outside bootstrap. */
function shoalIn(t: TestContext, ns: string, name: string, args: string[]): ManagedProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, SHOAL_DHT_BOOTSTRAP: '' };
  delete env.SHOAL_LSD;
  return spawnProcess(t, 'ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', SHOAL_DEV, ...args, '--json-progress', '--no-dht'], {
    name,
    cwd: REPO_ROOT,
    env,
    killGraceMs: 5000,
  });
}

test('two shoal processes in separate network namespaces find each other by BEP 14 multicast', { timeout: 90_000 }, async (t) => {
  if (!(await requireNetns(t))) return;
  t.after(teardown);
  setup();

  const dir = await tmpDir(t);
  const file = join(dir, 'lan.bin');
  await makeRandomFile(file, 1024 * 1024 + 99, 'lsd-netns');
  const made = await createTorrent({ path: file, format: 'v1', pieceLength: 32768, threads: 1 });
  const torrent = join(dir, 'lan.torrent');
  await writeFile(torrent, made.torrent);

  const seeder = shoalIn(t, NS_A, 'shoal seed (ns a)', ['seed', torrent, '--dir', dir, '--host', ADDR_A]);
  await seeder.waitForJson((v) => v.event === 'started', 30_000, "the seeder's 'started' line");
  const out = await tmpDir(t);
  // No tracker in the torrent, no --peer, no DHT: the seeder can only be found on the LAN.
  const leecher = shoalIn(t, NS_B, 'shoal download (ns b)', ['download', torrent, '-o', out, '--host', ADDR_B]);
  await leecher.waitForJson((v) => v.event === 'done', 60_000, "the download's 'done' line");
  await leecher.expectSuccess(10_000);
  assert.equal(await sha256File(join(out, 'lan.bin')), await sha256File(file), 'the download differs from its source');
});
