// Creates a .torrent from a file or folder: v1 (BEP 3), v2 (BEP 52) or hybrid (BEP 52 upgrade
// path with BEP 47 padding), with BEP 12 trackers, BEP 19 web seeds and BEP 27 private flag.
//
// Walks the path, plans the piece space (metainfo/layout.ts), streams the files through the hash
// pool (hash-space.ts) and hands the hashes to the pure writer (metainfo/build.ts). The output
// depends only on the files and the options, never on the number of threads.
import { availableParallelism } from 'node:os';
import { HashPool } from '../hashing/index.js';
import { buildTorrent, planPieceSpace, type LayoutInputFile, type Metainfo, type TorrentVersion } from '../metainfo/index.js';
import { CreateError } from './errors.js';
import { hashPieceSpace } from './hash-space.js';
import { checkPieceLength, choosePieceLength } from './piece-length.js';
import { walk } from './walk.js';

export const DEFAULT_CREATED_BY = 'shoal/0.1.0';

export interface CreateTorrentOptions {
  /** A file (single-file torrent) or a folder (multi-file torrent of everything below it). */
  readonly path: string;
  readonly format: TorrentVersion;
  /** Power of two in [16 KiB, 64 MiB]; default: chosen for ~1000-2000 pieces (16 KiB-16 MiB). */
  readonly pieceLength?: number;
  /** BEP 12 tiers of tracker URLs. */
  readonly announce?: readonly (readonly string[])[];
  /** BEP 19 web seed URLs. */
  readonly webSeeds?: readonly string[];
  /** BEP 27: peers only from the torrent's trackers. */
  readonly private?: boolean;
  readonly comment?: string;
  /** Default DEFAULT_CREATED_BY. */
  readonly createdBy?: string;
  /** Seconds since the epoch; null writes none; default now. */
  readonly creationDate?: number | null;
  /** info.source: gives a re-published torrent its own info hash (private trackers use it). */
  readonly source?: string;
  /** Torrent name; default the file or folder name. */
  readonly name?: string;
  /** Hash threads when no `pool` is given; default os.availableParallelism(). */
  readonly threads?: number;
  /**
   * Hash on the calling thread too (it counts as one of `threads`): for processes that do nothing
   * else, like the CLI; the event loop is blocked a few milliseconds per job. Default false.
   */
  readonly mainThread?: boolean;
  /** An existing pool to hash on (left open); otherwise one is made and closed. */
  readonly pool?: HashPool;
  /** Bytes of file data hashed so far and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Entries left out of a folder (symlinks, special files), one line each. */
  readonly onNote?: (note: string) => void;
  readonly signal?: AbortSignal;
  /** Read size per hash job (tuning; see hash-space.ts). */
  readonly chunkSize?: number;
}

export interface CreatedTorrent {
  readonly torrent: Uint8Array;
  readonly metainfo: Metainfo;
}

function badOption(message: string): never {
  throw new CreateError('CREATE_BAD_OPTION', message);
}

function checkOptions(o: CreateTorrentOptions): void {
  if (o.format !== 'v1' && o.format !== 'v2' && o.format !== 'hybrid') badOption(`unknown format ${String(o.format)}`);
  if (o.threads !== undefined && (!Number.isInteger(o.threads) || o.threads < 1 || o.threads > 256)) {
    badOption(`threads must be an integer from 1 to 256, found ${o.threads}`);
  }
  for (const url of [...(o.announce ?? []).flat(), ...(o.webSeeds ?? [])]) {
    if (!URL.canParse(url)) badOption(`not a URL: ${url}`);
  }
  if (o.name !== undefined && (o.name.length === 0 || /[/\\]/.test(o.name) || o.name === '.' || o.name === '..')) {
    badOption(`bad torrent name ${JSON.stringify(o.name)}`);
  }
  if (o.creationDate !== undefined && o.creationDate !== null && !Number.isSafeInteger(o.creationDate)) {
    badOption(`creation date must be whole seconds, found ${o.creationDate}`);
  }
}

export async function createTorrent(opts: CreateTorrentOptions): Promise<CreatedTorrent> {
  checkOptions(opts);
  const pool = opts.pool ?? new HashPool({ size: opts.threads ?? availableParallelism(), mainThread: opts.mainThread === true });
  try {
    pool.warm();
    return await create(opts, pool);
  } finally {
    if (!opts.pool) await pool.close();
  }
}

async function create(opts: CreateTorrentOptions, pool: HashPool): Promise<CreatedTorrent> {
  const { signal } = opts;
  const found = await walk(opts.path, signal);
  for (const note of found.notes) opts.onNote?.(note);
  if (found.files.length === 0) throw new CreateError('CREATE_EMPTY', `${opts.path} has no files to share`);
  const total = found.files.reduce((n, f) => n + f.length, 0);
  if (total === 0) throw new CreateError('CREATE_EMPTY', `every file in ${opts.path} is empty: there is nothing to share`);
  const pieceLength = opts.pieceLength === undefined ? choosePieceLength(total) : checkPieceLength(opts.pieceLength);

  const name = opts.name ?? found.name;
  const sources = new Map<string, string>();
  const input: LayoutInputFile[] = found.files.map((f) => {
    const path = found.singleFile ? [name] : f.path;
    sources.set(pathKey(path), f.source);
    return { path, length: f.length, ...(f.executable ? { attr: 'x' } : {}) };
  });
  const planned = planPieceSpace(input, pieceLength, opts.format);

  const hashes = await hashPieceSpace({
    files: planned.map((f) => ({ source: f.pad ? null : (sources.get(pathKey(f.path)) ?? null), length: f.length, offset: f.offset })),
    pieceLength,
    v1: opts.format !== 'v2',
    v2: opts.format !== 'v1',
    pool,
    ...(opts.chunkSize !== undefined ? { chunkSize: opts.chunkSize } : {}),
    ...(signal ? { signal } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });

  const creationDate = opts.creationDate === undefined ? Math.floor(Date.now() / 1000) : opts.creationDate;
  return buildTorrent({
    name,
    version: opts.format,
    pieceLength,
    singleFile: found.singleFile,
    files: planned,
    ...(hashes.pieces ? { pieces: hashes.pieces } : {}),
    ...(hashes.v2Files ? { v2Files: hashes.v2Files } : {}),
    ...(opts.announce ? { announce: opts.announce } : {}),
    ...(opts.webSeeds ? { webSeeds: opts.webSeeds } : {}),
    ...(opts.private ? { private: true } : {}),
    ...(opts.comment !== undefined ? { comment: opts.comment } : {}),
    createdBy: opts.createdBy ?? DEFAULT_CREATED_BY,
    ...(creationDate !== null ? { creationDate } : {}),
    ...(opts.source !== undefined ? { source: opts.source } : {}),
  });
}

function pathKey(path: readonly string[]): string {
  return path.join('\0');
}
