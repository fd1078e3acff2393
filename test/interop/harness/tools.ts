// Small helpers for the interop tests that drive real BitTorrent clients on loopback:
// tool detection (skip locally, fail under CI), free loopback ports, scratch folders,
// deterministic test data, SHA-256 of files and bounded polling.
import { createHash, createCipheriv } from 'node:crypto';
import { createReadStream, constants as fsConstants } from 'node:fs';
import { access, mkdtemp, open, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestContext } from 'node:test';

/** Anything that can run a function when the test (or suite) ends; a node:test TestContext fits. */
export interface CleanupScope {
  after(fn: () => unknown): void;
}

/** The Python that has Debian's libtorrent bindings (a `python3` earlier on PATH may not). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

const underCi = (): boolean => process.env.CI === 'true' || process.env.CI === '1';

/** Absolute path of an executable found on PATH (or the path itself if absolute), else undefined. */
export async function findExecutable(name: string): Promise<string | undefined> {
  const candidates = isAbsolute(name)
    ? [name]
    : (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '').map((d) => join(d, name));
  for (const c of candidates) {
    try {
      await access(c, fsConstants.X_OK);
      return c;
    } catch {
      // not here; try the next PATH entry
    }
  }
  return undefined;
}

/**
 * Makes a test depend on an external tool. Returns true when the tool is there. When it is
 * missing the test is skipped locally, but under CI=true it fails: CI installs every tool, so
 * a missing one there is a broken environment that must not pass silently.
 */
export async function requireTool(name: string, t: TestContext): Promise<boolean> {
  const found = await findExecutable(name);
  if (found !== undefined) return true;
  return missing(`'${name}' is not installed (see .ci/run for the Debian packages)`, t);
}

let libtorrentProbe: Promise<boolean> | undefined;

/** Like requireTool, for the libtorrent Python bindings loaded by /usr/bin/python3. */
export async function requireLibtorrent(t: TestContext): Promise<boolean> {
  libtorrentProbe ??= (async () => {
    if ((await findExecutable(SYSTEM_PYTHON)) === undefined) return false;
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(SYSTEM_PYTHON, ['-c', 'import libtorrent'], { timeout: 20_000, stdio: 'ignore' });
    return r.status === 0;
  })();
  if (await libtorrentProbe) return true;
  return missing(`libtorrent bindings do not load with ${SYSTEM_PYTHON} (apt-get install python3-libtorrent)`, t);
}

function missing(message: string, t: TestContext): boolean {
  if (underCi()) throw new Error(`interop tool missing under CI: ${message}`);
  t.skip(message);
  return false;
}

/** A port that was free on 127.0.0.1 a moment ago (TCP by default). */
export async function freePort(kind: 'tcp' | 'udp' = 'tcp'): Promise<number> {
  return kind === 'tcp' ? freeTcpPort() : freeUdpPort();
}

export function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

export function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    sock.unref();
    sock.once('error', reject);
    sock.bind({ address: host, port: 0, exclusive: true }, () => {
      const port = sock.address().port;
      sock.close(() => resolve(port));
    });
  });
}

/** A port free for both TCP and UDP on 127.0.0.1 (trackers and clients that use both). */
export async function freeTcpUdpPort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await freeTcpPort(host);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = createSocket('udp4');
      sock.once('error', () => resolve(false));
      sock.bind({ address: host, port, exclusive: true }, () => sock.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no port free for both TCP and UDP after 50 tries');
}

/** A fresh folder under the system temp dir, removed when `scope` ends (if given). */
export async function tmpDir(scope?: CleanupScope, prefix = 'shoal-interop-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  scope?.after(() => rm(dir, { recursive: true, force: true, maxRetries: 3 }));
  return dir;
}

/** Hex SHA-256 of a file's content, streamed. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on('data', (chunk) => h.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/**
 * Writes `size` pseudo-random bytes to `path`: the same seed always gives the same bytes.
 * The bytes are an AES-128-CTR keystream keyed by SHA-256(seed), which runs at GB/s,
 * written in 1 MiB chunks so large files never sit in memory.
 */
export async function makeRandomFile(path: string, size: number, seed: string | number): Promise<void> {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`bad size ${size}`);
  const key = createHash('sha256').update(`shoal-interop:${String(seed)}`).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  const chunkSize = 1 << 20;
  const zeros = Buffer.alloc(chunkSize);
  const fh = await open(path, 'w');
  try {
    let left = size;
    while (left > 0) {
      const n = Math.min(left, chunkSize);
      const block = cipher.update(n === chunkSize ? zeros : zeros.subarray(0, n));
      await fh.write(block, 0, block.length);
      left -= n;
    }
  } finally {
    await fh.close();
  }
}

/** Throw from a waitFor condition to stop waiting at once; waitFor rethrows `reason`. */
export class GiveUp extends Error {
  constructor(readonly reason: Error) {
    super(reason.message, { cause: reason });
  }
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Says what was awaited, for the timeout message. */
  what: string;
  signal?: AbortSignal;
}

/**
 * Polls `cond` until it returns something other than undefined/false/null and returns that.
 * Always bounded: throws after `timeoutMs`, naming `what` and the last error `cond` threw.
 * Errors from `cond` are retried (a port not open yet), except GiveUp.
 */
export async function waitFor<T>(
  cond: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  opts: WaitOptions,
): Promise<T> {
  const interval = opts.intervalMs ?? 100;
  const deadline = performance.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const v = await cond();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (e) {
      if (e instanceof GiveUp) throw e.reason;
      lastError = e;
    }
    const left = deadline - performance.now();
    if (left <= 0) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}${why}`, { cause: lastError });
    }
    await sleep(Math.min(interval, left), undefined, opts.signal ? { signal: opts.signal } : undefined);
  }
}
