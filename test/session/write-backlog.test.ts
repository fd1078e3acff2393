import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DelegatingStorage, type PieceWrite, type Storage, type IoOptions } from '../../src/storage/index.js';
import { closeSharedPool, completed, MiB, makeTorrent, open, sameFiles, scratch, startClient, startSeeder, writeTree } from './helpers.js';

after(() => closeSharedPool());

/** A disk that takes `delayMs` per piece, one piece at a time, and counts the bytes it queues. */
class SlowDisk extends DelegatingStorage {
  written = 0;
  private queued = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(inner: Storage, private readonly delayMs: number) {
    super(inner);
  }

  override get pendingWriteBytes(): number {
    return this.queued + this.inner.pendingWriteBytes;
  }

  override writePieces(writes: readonly PieceWrite[], opts?: IoOptions): Promise<void> {
    const bytes = writes.reduce((n, w) => n + (w.data instanceof Uint8Array ? w.data.length : w.data.reduce((m, b) => m + b.length, 0)), 0);
    this.queued += bytes;
    const done = this.chain.then(async () => {
      await new Promise((r) => setTimeout(r, this.delayMs));
      await this.inner.writePieces(writes, opts);
      this.queued -= bytes;
      this.written += bytes;
    });
    this.chain = done.catch(() => {});
    return done;
  }
}

test('pieces waiting for a slow disk count toward the in-flight budget: received but unwritten bytes stay within it', async (t) => {
  const src = await scratch(t);
  const out = await scratch(t);
  const files = [{ path: 'big.bin', size: 64 * MiB }];
  await writeTree(src, files);
  // 4 MiB pieces: the default 16 MiB in-flight budget is 4 pieces.
  const meta = await makeTorrent(join(src, 'big.bin'), 'v1', 4 * MiB);
  const { client: seedClient } = await startSeeder(t, meta, src);
  const client = await startClient(t);
  let disk: SlowDisk | undefined;
  const leech = await open(t, {
    client,
    metainfo: meta,
    dir: out,
    peers: [{ host: '127.0.0.1', port: seedClient.port }],
    wrapStorage: (s) => (disk = new SlowDisk(s, 40)),
  });
  let held = 0;
  const sampler = setInterval(() => {
    if (disk) held = Math.max(held, leech.torrent.stats().downloaded - disk.written);
  }, 2);
  try {
    await completed(leech.torrent, 30_000);
  } finally {
    clearInterval(sampler);
  }
  assert.deepEqual(await sameFiles(src, out, files), []);
  // The budget, plus one piece of slack for the piece whose write has just been handed over.
  assert.ok(held <= 20 * MiB, `up to ${(held / MiB).toFixed(1)} MiB received and not yet written`);
});
