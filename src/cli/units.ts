// Parsing of sizes and rates given on the command line ("500k", "10M", "1.5G"; bytes, powers of 1024).
import { UsageError } from '../errors.js';

const SUFFIX: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

export function parseSize(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?(?:\/s)?$/i.exec(text.trim());
  const mult = m ? SUFFIX[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || mult === undefined) throw new UsageError(`${what}: '${text}' is not a size (e.g. 512k, 10M, 1G)`);
  const n = Math.round(Number(m[1]) * mult);
  if (!Number.isSafeInteger(n)) throw new UsageError(`${what}: '${text}' is too large`);
  return n;
}

export function parsePort(text: string, what = '--port'): number {
  const n = Number(text);
  if (!/^\d{1,5}$/.test(text) || n > 65535) throw new UsageError(`${what}: '${text}' is not a port number (0-65535)`);
  return n;
}
