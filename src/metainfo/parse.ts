// Torrent file parser: v1 (BEP 3), v2 (BEP 52), hybrid (BEP 52 upgrade path with BEP 47 padding),
// plus BEP 12 announce-list, BEP 19 url-list and BEP 27 private.
//
// The file is decoded in tolerant mode (real torrents are not always canonical) and the info
// hashes are taken over the raw bytes of `info` as found, never over a re-encoding (BEP 3/52).
// Everything is bounded before it is walked: file size, info size, file count, piece count, path
// depth. `meta version` is checked first so a newer torrent says so rather than "invalid".
// Hybrid torrents must describe the same files in the v1 and v2 views, at the same offsets; the
// v1 view (with its padding entries) is the one reported, as libtorrent does.
// File paths: v1 single-file [name]; v1 multi-file [name, ...path]; v2 single-file [key of the one
// tree entry] (libtorrent uses the key, not `name`); v2 otherwise [name, ...tree path].
import { createHash } from 'node:crypto';
import { BencodeError, BencodeFieldError, DictReader, decode, decodeWithSpans, isBytes, isDict, type BDict, type BValue } from '../bencode/index.js';
import { MetainfoError } from './errors.js';
import { alignedOffsets, checkPieceLength } from './layout.js';
import { checkComponent, checkUniquePaths, MAX_PATH_DEPTH, safePath, sanitizeComponent } from './paths.js';
import { readV1Files, type RawFile } from './read-v1.js';
import { checkPieceLayers, readFileTree, type TreeFile } from './read-v2.js';
import { lossyText, optText } from './text.js';
import type { Metainfo, TorrentFile, TorrentVersion } from './types.js';

export interface ParseOptions {
  /** Largest .torrent file accepted, in bytes (default 64 MiB). */
  readonly maxSize?: number;
  /** Largest info dictionary accepted, in bytes (default 32 MiB, near libtorrent's metadata limit). */
  readonly maxInfoSize?: number;
  /** Most files (padding included) accepted (default 1,000,000). */
  readonly maxFiles?: number;
  /** Most pieces accepted (default 4,194,304: 64 TiB at 16 MiB pieces). */
  readonly maxPieces?: number;
}

export const PARSE_LIMITS: Required<ParseOptions> = {
  maxSize: 64 * 1024 * 1024,
  maxInfoSize: 32 * 1024 * 1024,
  maxFiles: 1_000_000,
  maxPieces: 4_194_304,
};

/** Bencode bounds: deep enough for MAX_PATH_DEPTH file trees, few enough values to stay in memory. */
const DECODE = { strict: false, maxDepth: MAX_PATH_DEPTH + 16, maxElements: 4_000_000 } as const;

function fail(code: MetainfoError['code'], message: string, field?: string): never {
  throw new MetainfoError(code, message, field);
}

/** Runs `f`, turning codec errors into MetainfoErrors (the one error type callers need to know). */
function guard<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof MetainfoError) throw e;
    if (e instanceof BencodeFieldError) {
      throw new MetainfoError('METAINFO_BAD_FIELD', e.message.slice(e.field.length + 2), e.field, { cause: e });
    }
    if (e instanceof BencodeError) {
      const tooLarge = e.code === 'BENCODE_TOO_DEEP' || e.code === 'BENCODE_TOO_MANY_ELEMENTS';
      const what = tooLarge ? e.message : `not a valid torrent file (${e.message})`;
      throw new MetainfoError(tooLarge ? 'METAINFO_TOO_LARGE' : 'METAINFO_MALFORMED', what, undefined, { cause: e });
    }
    throw e;
  }
}

function limitsOf(opts: ParseOptions): Required<ParseOptions> {
  return { ...PARSE_LIMITS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) };
}

/** Parses a .torrent file. Throws MetainfoError (with a code and the field path) on any problem. */
export function parseMetainfo(bytes: Uint8Array, opts: ParseOptions = {}): Metainfo {
  const limits = limitsOf(opts);
  if (bytes.length > limits.maxSize) fail('METAINFO_TOO_LARGE', `file of ${bytes.length} bytes exceeds the limit of ${limits.maxSize}`);
  return guard(() => {
    // A private copy: the result holds views into it and must not change under the caller.
    const own = bytes.slice();
    const { value, spans } = decodeWithSpans(own, DECODE);
    if (!isDict(value)) fail('METAINFO_MALFORMED', 'not a bencoded dictionary');
    const info = value.get('info');
    const span = spans.get('info');
    if (!isDict(info) || span === undefined) fail('METAINFO_BAD_FIELD', info === undefined ? 'missing' : 'expected a dictionary', 'info');
    const infoBytes = own.subarray(span[0], span[1]);
    if (infoBytes.length > limits.maxInfoSize) {
      fail('METAINFO_TOO_LARGE', `info dictionary of ${infoBytes.length} bytes exceeds the limit of ${limits.maxInfoSize}`, 'info');
    }
    return interpret(info, infoBytes, value, limits);
  });
}

/**
 * Parses a bare info dictionary, as received by metadata exchange (BEP 9). There is no `piece
 * layers` then (v2 peers send those hashes on request), nor trackers or web seeds.
 */
export function parseInfo(infoBytes: Uint8Array, opts: ParseOptions = {}): Metainfo {
  const limits = limitsOf(opts);
  if (infoBytes.length > limits.maxInfoSize) {
    fail('METAINFO_TOO_LARGE', `info dictionary of ${infoBytes.length} bytes exceeds the limit of ${limits.maxInfoSize}`, 'info');
  }
  return guard(() => {
    const own = infoBytes.slice();
    const info = decode(own, DECODE);
    if (!isDict(info)) fail('METAINFO_MALFORMED', 'info is not a bencoded dictionary');
    return interpret(info, own, undefined, limits);
  });
}

function versionOf(info: DictReader): TorrentVersion {
  const mv = info.raw('meta version');
  if (mv === undefined) return 'v1';
  if (typeof mv !== 'number') info.fail('meta version', 'expected an integer');
  if (mv > 2) fail('METAINFO_NEWER_VERSION', `meta version ${mv} is newer than this program supports (2)`, 'info.meta version');
  if (mv !== 2) info.fail('meta version', `unknown meta version ${mv}`);
  if (!info.has('file tree')) info.fail('file tree', 'required for meta version 2');
  return info.has('pieces') ? 'hybrid' : 'v2';
}

function toFile(raw: RawFile | TreeFile, name: string, rooted: boolean, offset: number, pad: boolean): TorrentFile {
  if (raw.rel.length > MAX_PATH_DEPTH - 1) fail('METAINFO_PATH_TOO_LONG', `path deeper than ${MAX_PATH_DEPTH - 1} components`, raw.field);
  const safe = safePath(raw.rel, raw.field);
  const out: { -readonly [K in keyof TorrentFile]: TorrentFile[K] } = {
    rawPath: rooted ? [name, ...safe.rawPath] : safe.rawPath,
    path: rooted ? [sanitizeComponent(name), ...safe.path] : safe.path,
    length: raw.length,
    offset,
    pad,
    attr: raw.attr,
  };
  if (raw.mtime !== undefined) out.mtime = raw.mtime;
  if ('root' in raw && raw.root !== undefined) out.piecesRoot = raw.root;
  if ('sha1' in raw && raw.sha1 !== undefined) out.sha1 = raw.sha1;
  if ('symlink' in raw && raw.symlink !== undefined) out.symlinkPath = safePath(raw.symlink, `${raw.field}.symlink path`).path;
  return out;
}

function checkPieceCount(count: number, limits: Required<ParseOptions>): void {
  if (count > limits.maxPieces) fail('METAINFO_TOO_LARGE', `${count} pieces, more than the limit of ${limits.maxPieces}`, 'info');
}

function sum(lengths: readonly number[], field: string): number {
  let total = 0;
  for (const l of lengths) {
    total += l;
    if (!Number.isSafeInteger(total)) fail('METAINFO_BAD_LENGTH', 'total length out of range', field);
  }
  return total;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/** Hybrid: the v1 list (padding aside) and the v2 tree must be the same files at the same offsets. */
function checkHybrid(v1: readonly RawFile[], v1Offsets: readonly number[], v2: readonly TreeFile[], v2Offsets: readonly number[]): void {
  const real = v1.map((f, i) => ({ f, offset: v1Offsets[i] as number })).filter((x) => !x.f.pad);
  if (real.length !== v2.length) {
    fail('METAINFO_HYBRID_MISMATCH', `${real.length} files in the v1 list but ${v2.length} in the v2 file tree`, 'info');
  }
  real.forEach(({ f, offset }, i) => {
    const t = v2[i] as TreeFile;
    if (!sameStrings(f.rel, t.rel) || f.length !== t.length) {
      fail('METAINFO_HYBRID_MISMATCH', `v1 file "${f.rel.join('/')}" (${f.length} bytes) differs from v2 file "${t.rel.join('/')}" (${t.length} bytes)`, f.field);
    }
    if (f.length > 0 && offset !== v2Offsets[i]) {
      fail('METAINFO_HYBRID_MISMATCH', `v1 file "${f.rel.join('/')}" is not piece-aligned as in the v2 tree (padding is wrong)`, f.field);
    }
  });
}

function interpret(infoDict: BDict, infoBytes: Uint8Array, top: BDict | undefined, limits: Required<ParseOptions>): Metainfo {
  const info: DictReader = new DictReader(infoDict, 'info', 'METAINFO_BAD_FIELD');
  const version = versionOf(info);
  const name = optText(infoDict, 'name');
  if (name === undefined) info.fail('name', 'required string is missing');
  checkComponent(name, 'info.name');
  const pieceLength = info.int('piece length');
  checkPieceLength(pieceLength, version);

  let files: TorrentFile[];
  let pieceCount: number;
  let multiFile: boolean;
  let pieces: Uint8Array | undefined;
  let pieceLayers: Map<string, Uint8Array> | undefined;

  let tree: { files: TreeFile[]; singleFile: boolean; offsets: number[]; end: number } | undefined;
  if (version !== 'v1') {
    const t = readFileTree(info.dictAt('file tree').dict, limits.maxFiles);
    const lengths = t.files.map((f) => f.length);
    sum(lengths, 'info.file tree');
    const { offsets, end } = alignedOffsets(lengths, pieceLength, true);
    if (!Number.isSafeInteger(end)) fail('METAINFO_BAD_LENGTH', 'piece space out of range', 'info.file tree');
    checkPieceCount(Math.ceil(end / pieceLength), limits);
    tree = { ...t, offsets, end };
  }

  if (version === 'v2' && tree) {
    const rooted = !tree.singleFile;
    const offsets = tree.offsets;
    files = tree.files.map((f, i) => toFile(f, name, rooted, offsets[i] as number, false));
    pieceCount = Math.ceil(tree.end / pieceLength);
    multiFile = rooted;
  } else {
    const v1 = readV1Files(info, name, limits.maxFiles);
    const lengths = v1.files.map((f) => f.length);
    const total = sum(lengths, 'info');
    const { offsets } = alignedOffsets(lengths, pieceLength, false);
    const count = Math.ceil(total / pieceLength);
    checkPieceCount(count, limits);
    pieces = info.bytes('pieces');
    if (pieces.length % 20 !== 0) fail('METAINFO_BAD_PIECES', `length ${pieces.length} is not a multiple of 20`, 'info.pieces');
    if (pieces.length !== count * 20) {
      fail('METAINFO_BAD_PIECES', `${pieces.length / 20} piece hashes for ${total} bytes in pieces of ${pieceLength} (expected ${count})`, 'info.pieces');
    }
    if (tree) {
      checkHybrid(v1.files, offsets, tree.files, tree.offsets);
      if (count !== Math.ceil(tree.end / pieceLength)) {
        fail('METAINFO_HYBRID_MISMATCH', 'the v1 piece count differs from the v2 one (trailing padding is wrong)', 'info.pieces');
      }
    }
    let next = 0;
    files = v1.files.map((f, i) => {
      const t = tree && !f.pad ? tree.files[next++] : undefined;
      const withRoot = t?.root ? { ...f, root: t.root } : f;
      return toFile(withRoot, name, v1.multi, offsets[i] as number, f.pad);
    });
    pieceCount = count;
    multiFile = v1.multi;
  }
  if (tree) pieceLayers = top ? checkPieceLayers(top.get('piece layers'), tree.files, pieceLength) : undefined;
  checkUniquePaths(files, version === 'v2' ? 'info.file tree' : 'info.files');

  // Plain Uint8Arrays (not Buffers), like every other byte field of the result.
  const infoHashV1 = version !== 'v2' ? new Uint8Array(createHash('sha1').update(infoBytes).digest()) : undefined;
  const infoHashV2 = version !== 'v1' ? new Uint8Array(createHash('sha256').update(infoBytes).digest()) : undefined;
  let spaceLength = 0;
  let length = 0;
  for (const f of files) {
    spaceLength = Math.max(spaceLength, f.offset + f.length);
    if (!f.pad) length += f.length;
  }
  const meta: { -readonly [K in keyof Metainfo]: Metainfo[K] } = {
    version,
    infoHash: (infoHashV1 ?? (infoHashV2 as Uint8Array)).subarray(0, 20),
    infoBytes,
    name,
    pieceLength,
    pieceCount,
    length,
    spaceLength,
    files,
    multiFile,
    private: info.raw('private') === 1,
    announce: top ? announceTiers(top) : [],
    webSeeds: top ? webSeeds(top.get('url-list')) : [],
  };
  if (infoHashV1) meta.infoHashV1 = infoHashV1;
  if (infoHashV2) meta.infoHashV2 = infoHashV2;
  if (pieces) meta.pieces = pieces;
  if (pieceLayers) meta.pieceLayers = pieceLayers;
  const source = optText(infoDict, 'source');
  if (source !== undefined) meta.source = source;
  if (top) {
    const date = top.get('creation date');
    if (typeof date === 'number') meta.creationDate = date;
    const comment = optText(top, 'comment');
    if (comment !== undefined) meta.comment = comment;
    const createdBy = optText(top, 'created by');
    if (createdBy !== undefined) meta.createdBy = createdBy;
  }
  return meta;
}

function urlOf(v: BValue | undefined): string | undefined {
  if (!isBytes(v)) return undefined;
  const s = lossyText(v).trim();
  return s.length > 0 ? s : undefined;
}

/** BEP 12: `announce-list` when it has any URL, else `announce`. Malformed entries are skipped. */
export function announceTiers(top: BDict): string[][] {
  const seen = new Set<string>();
  const tiers: string[][] = [];
  const list = top.get('announce-list');
  if (Array.isArray(list)) {
    for (const tier of list) {
      if (!Array.isArray(tier)) continue;
      const urls: string[] = [];
      for (const u of tier) {
        const url = urlOf(u);
        if (url !== undefined && !seen.has(url)) {
          seen.add(url);
          urls.push(url);
        }
      }
      if (urls.length > 0) tiers.push(urls);
    }
  }
  if (tiers.length > 0) return tiers;
  const one = urlOf(top.get('announce'));
  return one === undefined ? [] : [[one]];
}

/** BEP 19: `url-list` is one URL or a list of them. */
export function webSeeds(v: BValue | undefined): string[] {
  const items = Array.isArray(v) ? v : [v];
  const out = new Set<string>();
  for (const item of items) {
    const url = urlOf(item);
    if (url !== undefined) out.add(url);
  }
  return [...out];
}
