// Resume data: the verified-piece bitfield (BEP 3 bit order) saved beside the download together
// with the size and mtime of every file, so a restart can trust the bitfield instead of hashing
// everything again. Bencoded (BEP 3) with a version field; written atomically (temp file, fsync,
// rename, fsync of the folder). Any mismatch or damage falls back to a full check: a bad resume
// file is a warning, never a crash.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AbortedError } from '../errors.js';
import { DictReader, decode, encode, type BValue } from '../bencode/index.js';
import { isValidBitfield } from './bitfield.js';
import { checkExisting, type CheckOptions, type PieceVerifier } from './check.js';
import { StorageError, ioError } from './errors.js';
import type { FileStat, IoOptions, Storage, StorageFingerprint } from './types.js';

export const RESUME_VERSION = 1;
/** Resume files are small; anything bigger is not ours. */
const MAX_RESUME_BYTES = 64 * 1024 * 1024;

export interface ResumeData {
  readonly bitfield: Uint8Array;
  readonly fingerprint: StorageFingerprint;
}

export interface ResumeExpect {
  readonly pieceCount: number;
  readonly fileCount: number;
  /** When given, a resume file recorded for another torrent is rejected. */
  readonly infoHash?: Uint8Array;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Default place of a torrent's resume file: `<dir>/.shoal/<infohash-hex>.resume`. */
export function resumePath(dir: string, infoHash: Uint8Array | string): string {
  const id = typeof infoHash === 'string' ? infoHash : hex(infoHash);
  if (!/^[0-9a-fA-F]{40}$|^[0-9a-fA-F]{64}$/.test(id)) {
    throw new StorageError('STORAGE_OUT_OF_RANGE', `storage: ${JSON.stringify(id)} is not a hex info hash`);
  }
  return join(dir, '.shoal', `${id.toLowerCase()}.resume`);
}

const statEntry = (s: FileStat | null): number[] => (s ? [s.size, s.mtimeMs] : []);

export function encodeResume(data: ResumeData, infoHash?: Uint8Array): Uint8Array {
  return encode({
    version: RESUME_VERSION,
    'info hash': infoHash,
    bitfield: data.bitfield,
    files: data.fingerprint.files.map(statEntry),
    part: statEntry(data.fingerprint.part),
  });
}

function corrupt(message: string, cause?: unknown): StorageError {
  return new StorageError('STORAGE_RESUME_CORRUPT', `resume: ${message}`, cause === undefined ? {} : { cause });
}

function readStat(v: BValue | undefined, where: string): FileStat | null {
  if (!Array.isArray(v)) throw corrupt(`${where} is not a list`);
  if (v.length === 0) return null;
  const [size, mtimeMs] = v;
  if (v.length !== 2 || typeof size !== 'number' || typeof mtimeMs !== 'number' || size < 0) throw corrupt(`${where} is not [size, mtime]`);
  return { size, mtimeMs };
}

/** Decodes and validates a resume file; any problem is STORAGE_RESUME_CORRUPT. */
export function decodeResume(bytes: Uint8Array, expect: ResumeExpect): ResumeData {
  let r: DictReader;
  try {
    r = DictReader.of(decode(bytes, { maxDepth: 4 }), 'resume', 'STORAGE_RESUME_CORRUPT');
    const version = r.int('version');
    if (version !== RESUME_VERSION) throw corrupt(`unsupported version ${version}`);
    const bitfield = r.bytes('bitfield');
    if (!isValidBitfield(bitfield, expect.pieceCount)) throw corrupt(`bitfield does not fit ${expect.pieceCount} pieces`);
    const ih = r.optBytes('info hash');
    if (expect.infoHash && (!ih || hex(ih) !== hex(expect.infoHash))) throw corrupt('recorded for another torrent');
    const list = r.list('files');
    if (list.length !== expect.fileCount) throw corrupt(`${list.length} files recorded, torrent has ${expect.fileCount}`);
    const files = list.map((v, i) => readStat(v, `files[${i}]`));
    return { bitfield: new Uint8Array(bitfield), fingerprint: { files, part: readStat(r.raw('part'), 'part') } };
  } catch (e) {
    if (e instanceof StorageError) throw e;
    throw corrupt(e instanceof Error ? e.message : 'undecodable', e);
  }
}

/** Reads a resume file; undefined when there is none, STORAGE_RESUME_CORRUPT when unusable. */
export async function readResume(path: string, expect: ResumeExpect): Promise<ResumeData | undefined> {
  let bytes: Uint8Array;
  try {
    const h = await open(path, 'r');
    try {
      const size = (await h.stat()).size;
      if (size > MAX_RESUME_BYTES) throw corrupt(`${path} is ${size} bytes, too large`);
      bytes = await h.readFile();
    } finally {
      await h.close();
    }
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return undefined;
    if (e instanceof StorageError) throw e;
    throw corrupt(`cannot read ${path}`, e);
  }
  return decodeResume(bytes, expect);
}

/** Writes a resume file atomically: a reader sees the old file or the new one, never a mix. */
export async function writeResume(path: string, data: ResumeData, infoHash?: Uint8Array): Promise<void> {
  const bytes = encodeResume(data, infoHash);
  const dir = dirname(path);
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dir, { recursive: true });
    const h = await open(tmp, 'w', 0o644);
    try {
      await h.writeFile(bytes);
      await h.sync();
    } finally {
      await h.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw ioError('write resume', path, e);
  }
  // Makes the rename itself durable; not every platform can open a folder, which is fine.
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    /* best effort */
  }
}

/**
 * Saves resume data for `storage`: flushes and fsyncs it first, so the recorded mtimes cover every
 * piece in `bitfield` (pass a copy taken once those pieces' writes had resolved).
 */
export async function saveResume(
  storage: Storage,
  path: string,
  bitfield: Uint8Array,
  opts: IoOptions & { infoHash?: Uint8Array } = {},
): Promise<void> {
  const snapshot = bitfield.slice();
  await storage.sync(opts);
  const fingerprint = await storage.fingerprint(opts);
  await writeResume(path, { bitfield: snapshot, fingerprint }, opts.infoHash);
}

export function sameFingerprint(a: StorageFingerprint, b: StorageFingerprint): boolean {
  const eq = (x: FileStat | null | undefined, y: FileStat | null | undefined): boolean =>
    x === y || (!!x && !!y && x.size === y.size && x.mtimeMs === y.mtimeMs);
  return a.files.length === b.files.length && a.files.every((f, i) => eq(f, b.files[i])) && eq(a.part, b.part);
}

export interface RestoreOptions extends CheckOptions {
  readonly storage: Storage;
  readonly verifier: PieceVerifier;
  /** The resume file (see resumePath). */
  readonly path: string;
  readonly infoHash?: Uint8Array;
  /** Ignore any resume file and hash everything (the CLI's --recheck). */
  readonly recheck?: boolean;
}

export interface RestoreResult {
  readonly bitfield: Uint8Array;
  /** 'resume' when the saved bitfield was trusted, 'check' when the data was hashed. */
  readonly source: 'resume' | 'check';
  /** Why a check was needed, or why the resume file was trusted. */
  readonly reason: string;
}

/** Start-up: trust the resume file when every file still matches it, else verify what is on disk. */
export async function restoreOrCheck(opts: RestoreOptions): Promise<RestoreResult> {
  const { storage, signal } = opts;
  const check = async (reason: string): Promise<RestoreResult> => ({
    bitfield: await checkExisting(storage, opts.verifier, opts),
    source: 'check',
    reason,
  });
  if (opts.recheck) return check('recheck requested');
  let saved: ResumeData | undefined;
  try {
    saved = await readResume(opts.path, {
      pieceCount: storage.layout.pieceCount,
      fileCount: storage.layout.files.length,
      ...(opts.infoHash ? { infoHash: opts.infoHash } : {}),
    });
  } catch (e) {
    if (!(e instanceof StorageError)) throw e;
    opts.onWarning?.(e);
    return check('resume file unusable');
  }
  if (!saved) return check('no resume file');
  if (signal?.aborted) throw new AbortedError('storage: restore aborted', { cause: signal.reason });
  if (!sameFingerprint(saved.fingerprint, await storage.fingerprint({ signal }))) {
    return check('files changed since the resume file was written');
  }
  // Defence in depth: never claim a piece whose bytes cannot be on disk.
  const present = await storage.presentPieces({ signal });
  const bitfield = saved.bitfield.slice();
  for (let i = 0; i < bitfield.length; i++) bitfield[i] = (bitfield[i] as number) & (present[i] as number);
  return { bitfield, source: 'resume', reason: 'files match the resume file' };
}
