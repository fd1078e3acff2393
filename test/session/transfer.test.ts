// In-process shoal → shoal transfers over real loopback sockets: two Clients on 127.0.0.1, one
// seeding from a folder, one downloading into an empty one, for v1, v2 (BEP 52) and hybrid
// torrents made by createTorrent; a multi-file torrent with a zero-length file; and a partial
// download of chosen files (the skipped files are never created). Every case ends with the
// SHA-256 of each downloaded file compared with its source.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readdir, stat } from 'node:fs/promises';
import type { TorrentVersion } from '../../src/metainfo/index.js';
import { closeSharedPool, completed, exists, KiB, makeTorrent, MiB, open, sameFiles, scratch, startClient, startSeeder, writeTree, type SourceFile } from './helpers.js';

after(() => closeSharedPool());

const TIMEOUT = 20_000;

/** Seeds `files` (a folder named `name`, or one file) and downloads them into a fresh folder. */
async function transfer(t: import('node:test').TestContext, format: TorrentVersion, files: SourceFile[], pieceLength: number, single = false) {
  const src = await scratch(t);
  const out = await scratch(t);
  await writeTree(src, files);
  const rootPath = single ? join(src, (files[0] as SourceFile).path) : join(src, 'tree');
  const meta = await makeTorrent(rootPath, format, pieceLength);
  const { client: seedClient } = await startSeeder(t, meta, src);
  const client = await startClient(t);
  const leech = await open(t, { client, metainfo: meta, dir: out, peers: [{ host: '127.0.0.1', port: seedClient.port }] });
  assert.equal(leech.torrent.have.count, 0);
  await completed(leech.torrent, TIMEOUT);
  return { src, out, meta, leech };
}

for (const format of ['v1', 'v2', 'hybrid'] as const) {
  test(`${format}: a single 3 MiB file arrives intact`, async (t) => {
    const files = [{ path: 'single.bin', size: 3 * MiB + 12_345 }];
    const { src, out, meta, leech } = await transfer(t, format, files, 64 * KiB, true);
    assert.ok(meta.pieceCount > 40);
    assert.deepEqual(await sameFiles(src, out, files), []);
    const s = leech.torrent.stats();
    assert.equal(s.havePieces, meta.pieceCount);
    assert.equal(s.hashFailures, 0);
    assert.equal(s.downloaded, meta.spaceLength);
  });
}

for (const format of ['v1', 'v2', 'hybrid'] as const) {
  test(`${format}: a multi-file tree with a zero-length file and files smaller than a piece`, async (t) => {
    const files: SourceFile[] = [
      { path: 'tree/a.bin', size: 1 * MiB + 7 },
      { path: 'tree/empty.txt', size: 0 },
      { path: 'tree/sub/b.bin', size: 20_000 },
      { path: 'tree/sub/c.bin', size: 700 * KiB },
      { path: 'tree/z.bin', size: 1 },
    ];
    const { src, out, meta } = await transfer(t, format, files, 32 * KiB);
    assert.ok(meta.files.some((f) => f.length === 0 && !f.pad), 'the torrent lists the empty file');
    assert.deepEqual(await sameFiles(src, out, files), []);
    // No pad file (hybrid) reaches the disk.
    const top = await readdir(join(out, 'tree'));
    assert.ok(!top.some((n) => n.startsWith('.pad')), `pad files written: ${top.join(', ')}`);
  });
}

for (const format of ['v1', 'hybrid'] as const) {
  test(`${format}: only chosen files are downloaded; skipped files are not created`, async (t) => {
    const files: SourceFile[] = [
      { path: 'tree/a.bin', size: 300 * KiB + 5 },
      { path: 'tree/b.bin', size: 200 * KiB + 3 },
      { path: 'tree/c.bin', size: 500 * KiB + 1 },
      { path: 'tree/d.bin', size: 100 * KiB + 9 },
    ];
    const src = await scratch(t);
    const out = await scratch(t);
    await writeTree(src, files);
    const meta = await makeTorrent(join(src, 'tree'), format, 64 * KiB);
    const index = (name: string): number => meta.files.findIndex((f) => !f.pad && f.path[f.path.length - 1] === name);
    const only = [index('b.bin'), index('d.bin')];
    assert.ok(only.every((i) => i >= 0));
    const { client: seedClient } = await startSeeder(t, meta, src);
    const client = await startClient(t);
    const leech = await open(t, { client, metainfo: meta, dir: out, only, peers: [{ host: '127.0.0.1', port: seedClient.port }] });
    await completed(leech.torrent, TIMEOUT);
    const wanted = files.filter((f) => f.path.endsWith('b.bin') || f.path.endsWith('d.bin'));
    assert.deepEqual(await sameFiles(src, out, wanted), []);
    for (const skipped of ['a.bin', 'c.bin']) assert.equal(await exists(join(out, 'tree', skipped)), false, `${skipped} was created`);
    const s = leech.torrent.stats();
    assert.ok(s.havePieces < meta.pieceCount, 'not every piece was fetched');
    // Only pieces touching a wanted file were downloaded.
    assert.ok(s.downloaded <= s.bytesWanted, `downloaded ${s.downloaded} > wanted ${s.bytesWanted}`);
    assert.ok((await stat(join(out, 'tree', 'b.bin'))).size === 200 * KiB + 3);
  });
}
