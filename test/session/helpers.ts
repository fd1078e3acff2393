// Shared pieces of the in-process engine tests: deterministic source trees, torrents made with
// createTorrent, seeders and leechers as Clients on 127.0.0.1, bounded waits on torrent events,
// and SHA-256 comparisons of whole trees.
import { createHash, createCipheriv } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { createTorrent } from '../../src/create/index.js';
import { HashPool } from '../../src/hashing/index.js';
import type { Metainfo, TorrentVersion } from '../../src/metainfo/index.js';
import { Client, openTorrent, type OpenedTorrent, type OpenTorrentOptions, type Torrent } from '../../src/session/index.js';

export const KiB = 1024;
export const MiB = 1024 * 1024;

export interface SourceFile {
  /** Path below the tree root, '/'-separated. */
  readonly path: string;
  readonly size: number;
}

/** A scratch folder removed when the test ends. */
export async function scratch(t: TestContext, prefix = 'shoal-session-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true, maxRetries: 3 }));
  return dir;
}

/** `size` pseudo-random bytes that depend only on `seed` (AES-CTR keystream). */
export function randomBytesFor(size: number, seed: string): Buffer {
  const key = createHash('sha256').update(`shoal-session:${seed}`).digest();
  return createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32)).update(Buffer.alloc(size));
}

/** Writes the files under `root`, each with bytes seeded by its path. */
export async function writeTree(root: string, files: readonly SourceFile[]): Promise<void> {
  for (const f of files) {
    const p = join(root, ...f.path.split('/'));
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, randomBytesFor(f.size, f.path));
  }
}

export async function sha256Of(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** Asserts that each file below `rootB` has the same bytes as below `rootA`. */
export async function sameFiles(rootA: string, rootB: string, files: readonly SourceFile[]): Promise<string[]> {
  const mismatched: string[] = [];
  for (const f of files) {
    const a = join(rootA, ...f.path.split('/'));
    const b = join(rootB, ...f.path.split('/'));
    const sb = await stat(b).catch(() => undefined);
    if (!sb || sb.size !== f.size || (await sha256Of(a)) !== (await sha256Of(b))) mismatched.push(f.path);
  }
  return mismatched;
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

let sharedPool: HashPool | undefined;

/** One hash pool for torrent creation across a test file (closed by closeSharedPool). */
export function pool(): HashPool {
  sharedPool ??= new HashPool({ size: 2 });
  return sharedPool;
}

export async function closeSharedPool(): Promise<void> {
  const p = sharedPool;
  sharedPool = undefined;
  await p?.close();
}

export async function makeTorrent(path: string, format: TorrentVersion, pieceLength: number): Promise<Metainfo> {
  const made = await createTorrent({ path, format, pieceLength, creationDate: null, pool: pool() });
  return made.metainfo;
}

/**
 * A Client on 127.0.0.1, closed when the test ends. Clients share the file's hash pool (starting
 * worker threads per client would cost more than the transfers).
 */
export async function startClient(t: TestContext, extra: Parameters<typeof Client.start>[0] = {}): Promise<Client> {
  const c = await Client.start({ host: '127.0.0.1', localAddress: '127.0.0.1', pool: pool(), ...extra });
  t.after(() => c.close());
  return c;
}

/** Opens a torrent on a client; it is closed when the test ends (close is idempotent). */
export async function open(t: TestContext, opts: OpenTorrentOptions): Promise<OpenedTorrent> {
  const o = await openTorrent(opts);
  t.after(() => o.close());
  return o;
}

/** A seeding client for `meta` over `dir` (which must hold the complete data). */
export async function startSeeder(t: TestContext, meta: Metainfo, dir: string, extra: Partial<OpenTorrentOptions> = {}): Promise<{ client: Client; opened: OpenedTorrent }> {
  const client = await startClient(t);
  const opened = await open(t, { client, metainfo: meta, dir, ...extra });
  if (!opened.torrent.isSeed) throw new Error(`seeder has only ${opened.torrent.have.count}/${meta.pieceCount} pieces`);
  return { client, opened };
}

/** Resolves on the torrent's 'complete' event; rejects after `timeoutMs` or on an 'error'. */
export function completed(torrent: Torrent, timeoutMs: number): Promise<void> {
  if (torrent.isComplete) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      torrent.off('complete', done);
      const s = torrent.stats();
      reject(new Error(`torrent not complete after ${timeoutMs} ms: ${s.havePieces}/${s.pieceCount} pieces, ${s.peers} peers, ${s.hashFailures} hash failures`));
    }, timeoutMs);
    timer.unref(); // a test that gave up waiting must not keep the process alive
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    torrent.once('complete', done);
  });
}

/** Resolves once `pred` holds, checked on every 'verified' event; rejects after `timeoutMs`. */
export function untilVerified(torrent: Torrent, pred: () => boolean, timeoutMs: number): Promise<void> {
  if (pred()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      torrent.off('verified', check);
      reject(new Error(`condition not met after ${timeoutMs} ms (${torrent.have.count} pieces verified)`));
    }, timeoutMs);
    timer.unref(); // a test that gave up waiting must not keep the process alive
    const check = (): void => {
      if (!pred()) return;
      clearTimeout(timer);
      torrent.off('verified', check);
      resolve();
    };
    torrent.on('verified', check);
  });
}

/** Byte size of piece `p`. */
export function pieceSize(meta: Metainfo, p: number): number {
  return p === meta.pieceCount - 1 ? meta.spaceLength - p * meta.pieceLength : meta.pieceLength;
}
