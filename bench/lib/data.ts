// Benchmark inputs: a deterministic pseudo-random file (AES-128-CTR keystream, so every run and
// every machine gets the same bytes and the same info hash) and its v1 torrent made by the built
// shoal CLI. Both are reused across runs when present and intact.
import { spawnSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { closeSync, existsSync, openSync, renameSync, statSync, writeSync } from 'node:fs';

const MiB = 2 ** 20;

/** "1G", "512M", "4GiB", "1073741824" → bytes (binary units). */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) throw new Error(`not a size: '${text}' (e.g. 1G, 512M)`);
  const scale = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[(m[2] ?? '').toLowerCase()] ?? 1;
  const n = Math.round(Number(m[1]) * scale);
  if (n < MiB || n % MiB !== 0) throw new Error(`size must be a whole number of MiB, at least 1 MiB: '${text}'`);
  return n;
}

/** "1G" for 2^30, "1536M" for 1.5 GiB: the short name used in file names and tables. */
export function sizeLabel(bytes: number): string {
  return bytes % 2 ** 30 === 0 ? `${bytes / 2 ** 30}G` : `${bytes / MiB}M`;
}

/** Writes `bytes` of the keystream to `path` unless a file of that size is there already. */
export function ensureDataFile(path: string, bytes: number): 'reused' | 'created' {
  if (existsSync(path) && statSync(path).size === bytes) return 'reused';
  const tmp = `${path}.partial`;
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 0x5a), Buffer.alloc(16));
  const zero = Buffer.alloc(MiB);
  const fd = openSync(tmp, 'w');
  try {
    for (let i = 0; i < bytes / MiB; i++) writeSync(fd, cipher.update(zero));
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return 'created';
}

/**
 * Makes `torrent` from `data` with the built CLI (v1, fixed piece length, no creation date, so
 * the same data always gives the same info hash and the seeders' resume data stays valid),
 * unless it exists and is newer than the data. Returns the v1 info hash.
 */
export function ensureTorrent(shoalBin: string, data: string, torrent: string, pieceLength: number): string {
  if (!existsSync(torrent) || statSync(torrent).mtimeMs < statSync(data).mtimeMs) {
    const r = spawnSync(process.execPath, [shoalBin, 'create', data, '-o', `${torrent}.tmp`, '-f', 'v1', '-l', String(pieceLength), '--no-date', '-q'], { encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`shoal create failed (${r.status}): ${r.stderr}`);
    renameSync(`${torrent}.tmp`, torrent);
  }
  const info = spawnSync(process.execPath, [shoalBin, 'info', torrent, '--json'], { encoding: 'utf8', timeout: 30_000 });
  const hash = info.status === 0 ? (JSON.parse(info.stdout) as { infoHash?: unknown }).infoHash : undefined;
  if (typeof hash !== 'string') throw new Error(`shoal info ${torrent} failed (${info.status}): ${info.stderr}${info.stdout}`);
  return hash;
}
