// Magnet links end to end on loopback (BEP 9 metadata exchange, BEP 52 piece layers, BEP 5 DHT):
// shoal downloads from a magnet with peers from x.pe only and from the DHT only (through a
// `shoal dht` bootstrap node), for v1 and v2 links; libtorrent fetches metadata (and, for v2, the
// piece layers) from a shoal seeder. Every output is checked by SHA-256 against its source.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTorrent } from '../../src/create/index.js';
import { formatMagnet, magnetFromMetainfo, type Metainfo, type TorrentVersion } from '../../src/metainfo/index.js';
import { libtorrent } from './harness/clients.js';
import { spawnProcess } from './harness/process.js';
import { REPO_ROOT, SHOAL_DEV, SHOAL_TEST_ENV, shoal } from './harness/shoal.js';
import { freeUdpPort, makeRandomFile, requireLibtorrent, sha256File, tmpDir } from './harness/tools.js';

const TRANSFER_MS = 30_000;

interface Fixture {
  dir: string;
  file: string;
  torrent: string;
  meta: Metainfo;
  magnet: string;
}

async function fixture(t: TestContext, format: TorrentVersion): Promise<Fixture> {
  const dir = await tmpDir(t);
  const file = join(dir, 'movie.bin');
  await makeRandomFile(file, 3 * 1024 * 1024 + 4321, `magnet-${format}`);
  const made = await createTorrent({ path: file, format, pieceLength: 65536, threads: 1 });
  const torrent = join(dir, 'movie.torrent');
  await writeFile(torrent, made.torrent);
  return { dir, file, torrent, meta: made.metainfo, magnet: formatMagnet(magnetFromMetainfo(made.metainfo)) };
}

async function assertSame(f: Fixture, outDir: string): Promise<void> {
  assert.equal(await sha256File(join(outDir, 'movie.bin')), await sha256File(f.file), 'the download differs from its source');
}

for (const format of ['v1', 'v2'] as const) {
  test(`shoal downloads a ${format} magnet link from a libtorrent seeder found through x.pe`, async (t) => {
    if (!(await requireLibtorrent(t))) return;
    const f = await fixture(t, format);
    const seeder = await libtorrent.seed(t, f.torrent, f.dir);
    const out = await tmpDir(t);
    const dl = await shoal.download(t, `${f.magnet}&x.pe=${seeder.address}`, out, { extraArgs: ['--no-dht'], startTimeoutMs: TRANSFER_MS });
    await dl.finished(TRANSFER_MS);
    assert.equal(dl.events('metadata').length, 1, 'the metadata was fetched from the peer');
    await assertSame(f, out);
  });

  test(`libtorrent downloads a ${format} magnet link from a shoal seeder`, async (t) => {
    if (!(await requireLibtorrent(t))) return;
    const f = await fixture(t, format);
    const seeder = await shoal.seed(t, f.torrent, f.dir, { extraArgs: ['--no-dht'] });
    const out = await tmpDir(t);
    const lt = await libtorrent.download(t, f.magnet, out, { peers: [seeder.address] });
    await lt.finished(TRANSFER_MS);
    await assertSame(f, out);
  });
}

test('shoal downloads a magnet link with the DHT as its only source (bootstrapped from shoal dht)', async (t) => {
  const f = await fixture(t, 'v1');
  const dhtPort = await freeUdpPort();
  const node = spawnProcess(t, process.execPath, ['--import', 'tsx', SHOAL_DEV, 'dht', '--host', '127.0.0.1', '--port', String(dhtPort), '--no-bootstrap'], {
    name: 'shoal dht', cwd: REPO_ROOT, killGraceMs: 3000, env: SHOAL_TEST_ENV,
  });
  await node.waitForLine(/on udp 127\.0\.0\.1:\d+/, 20_000);
  const bootstrap = ['--bootstrap', `127.0.0.1:${dhtPort}`];
  await shoal.seed(t, f.torrent, f.dir, { extraArgs: bootstrap });
  const out = await tmpDir(t);
  // No tracker, no x.pe, no --peer: the seeder can only be found through the DHT.
  const bare = f.magnet.replace(/&tr=[^&]*/g, '');
  const dl = await shoal.download(t, bare, out, { extraArgs: bootstrap, startTimeoutMs: 60_000 });
  await dl.finished(60_000);
  await assertSame(f, out);
});
