// Real BitTorrent clients find each other through a shoal tracker on loopback and complete a
// transfer: two libtorrent sessions (seeder + leecher, given no peers, only the tracker) over
// HTTP and over UDP; and Transmission as the seeder announcing to the shoal tracker, dialled by a
// libtorrent leecher that learnt its address from the tracker (Transmission 3.00 never dials
// loopback peers from a tracker, so it cannot be the leecher here).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TrackerServer } from '../../src/tracker/index.js';
import { spawnProcess, run, type ManagedProcess } from './harness/process.js';
import { transmission } from './harness/transmission.js';
import { makeRandomFile, requireLibtorrent, requireTool, sha256File, SYSTEM_PYTHON, tmpDir, waitFor } from './harness/tools.js';

const DRIVER = fileURLToPath(new URL('./py/tracker_peer.py', import.meta.url));
const SIZE = 2 * (1 << 20) + 333;

async function startTracker(t: TestContext): Promise<{ server: TrackerServer; http: string; udp: string }> {
  const server = new TrackerServer({ host: '127.0.0.1', httpPort: 0, udpPort: 0, intervalSec: 5 });
  const a = await server.start();
  t.after(() => server.stop());
  return { server, http: `http://127.0.0.1:${a.http?.port}/announce`, udp: `udp://127.0.0.1:${a.udp?.port}/announce` };
}

async function makeTorrent(t: TestContext, tracker: string): Promise<{ dir: string; torrent: string; infoHash: string; sha: string }> {
  const dir = await tmpDir(t, 'shoal-tracker-interop-');
  const src = join(dir, 'data.bin');
  await makeRandomFile(src, SIZE, `tracker-${tracker}`);
  const torrent = join(dir, 'data.torrent');
  const out = await run(SYSTEM_PYTHON, [DRIVER, 'create', src, torrent, '--tracker', tracker], { name: 'tracker_peer create', timeoutMs: 30_000 });
  const infoHash = (JSON.parse(out.trim().split('\n').pop() ?? '{}') as { infoHash: string }).infoHash;
  return { dir, torrent, infoHash, sha: await sha256File(src) };
}

function ltPeer(t: TestContext, mode: 'seed' | 'download', torrent: string, dir: string): ManagedProcess {
  return spawnProcess(t, SYSTEM_PYTHON, [DRIVER, mode, torrent, dir, '--timeout', '60'], { name: `libtorrent ${mode}` });
}

async function scrapeCounts(server: TrackerServer, infoHash: string): Promise<{ complete: number; incomplete: number }> {
  const [c] = await server.store.scrape([Buffer.from(infoHash, 'hex')], Date.now());
  return c ?? { complete: 0, incomplete: 0 };
}

for (const proto of ['http', 'udp'] as const) {
  test(`libtorrent seeder and leecher meet through a shoal tracker over ${proto.toUpperCase()}`, { timeout: 120_000 }, async (t) => {
    if (!(await requireLibtorrent(t))) return;
    const tr = await startTracker(t);
    const { dir, torrent, infoHash, sha } = await makeTorrent(t, tr[proto]);
    const seed = ltPeer(t, 'seed', torrent, dir);
    await seed.waitForJson((v) => v.event === 'tracker_reply', 30_000, 'seeder announce');
    assert.equal((await scrapeCounts(tr.server, infoHash)).complete, 1);
    const out = await tmpDir(t, 'shoal-tracker-interop-out-');
    const dl = ltPeer(t, 'download', torrent, out);
    const reply = await dl.waitForJson<{ numPeers: number }>((v) => v.event === 'tracker_reply' && Number(v.numPeers) > 0, 30_000, 'leecher to get a peer');
    assert.ok(reply.numPeers >= 1);
    await dl.waitForJson((v) => v.event === 'done', 60_000, 'download to finish');
    assert.equal(await sha256File(join(out, 'data.bin')), sha);
    assert.ok(tr.server.metrics.announces[proto] >= 2, `announces over ${proto}: ${tr.server.metrics.announces[proto]}`);
    assert.equal(tr.server.metrics.announces[proto === 'http' ? 'udp' : 'http'], 0);
  });
}

for (const proto of ['http', 'udp'] as const) {
  test(`Transmission seeds, announcing to a shoal tracker over ${proto.toUpperCase()}; libtorrent finds it there and downloads`, { timeout: 120_000 }, async (t) => {
    if (!(await requireLibtorrent(t)) || !(await requireTool('transmission-daemon', t))) return;
    const tr = await startTracker(t);
    const { dir, torrent, infoHash, sha } = await makeTorrent(t, tr[proto]);
    const tm = await transmission.seed(t, torrent, dir);
    // Transmission's own announce puts it in the swarm as a seeder.
    await waitFor(async () => (await scrapeCounts(tr.server, infoHash)).complete === 1, {
      timeoutMs: 30_000, intervalMs: 100, what: `Transmission to announce over ${proto}`,
    });
    const out = await tmpDir(t, 'shoal-tracker-interop-out-');
    const dl = ltPeer(t, 'download', torrent, out);
    await dl.waitForJson((v) => v.event === 'done', 60_000, 'download from Transmission to finish');
    assert.equal(await sha256File(join(out, 'data.bin')), sha);
    const st = await tm.torrent(tm.torrentId);
    assert.ok(st.uploadedEver >= SIZE, `Transmission uploaded ${st.uploadedEver} bytes`);
  });
}
