// Reads the v1 file list of an info dictionary (BEP 3 `length` / `files`, BEP 47 attributes,
// padding and symlinks). Paths come back as written (decoded as UTF-8, the `.utf-8` variants
// preferred); checking and sanitising them is the caller's job (paths.ts).
import { DictReader, isBytes, isDict, type BValue } from '../bencode/index.js';
import { MetainfoError } from './errors.js';
import { lossyText } from './text.js';

export interface RawFile {
  /** Path relative to the torrent root (for a single-file torrent: [name]). */
  readonly rel: readonly string[];
  readonly length: number;
  readonly pad: boolean;
  readonly attr: string;
  readonly mtime?: number;
  readonly sha1?: Uint8Array;
  readonly symlink?: readonly string[];
  /** Field path of the entry, for errors. */
  readonly field: string;
}

/** Old BitComet padding files carry no attribute, only this name. */
const BITCOMET_PAD = '_____padding_file_';

function readLength(r: DictReader): number {
  const n = r.optInt('length');
  if (n === undefined) return r.fail('length', 'required integer is missing');
  if (n < 0) throw new MetainfoError('METAINFO_BAD_LENGTH', `negative length ${n}`, r.fieldPath('length'));
  return n;
}

function readStrings(v: BValue | undefined, field: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw new MetainfoError('METAINFO_BAD_FIELD', 'expected a list of strings', field);
  return v.map((c, i) => {
    if (!isBytes(c)) throw new MetainfoError('METAINFO_BAD_FIELD', 'expected a byte string', `${field}[${i}]`);
    return lossyText(c);
  });
}

function readExtras(r: DictReader): { attr: string; mtime?: number; sha1?: Uint8Array; symlink?: readonly string[] } {
  const attrBytes = r.raw('attr');
  const attr = isBytes(attrBytes) ? lossyText(attrBytes) : '';
  const mtime = r.raw('mtime');
  const sha1 = r.raw('sha1');
  const out: { attr: string; mtime?: number; sha1?: Uint8Array; symlink?: readonly string[] } = { attr };
  // Optional hints: a wrong type is ignored rather than fatal, as other clients do.
  if (typeof mtime === 'number') out.mtime = mtime;
  if (isBytes(sha1) && sha1.length === 20) out.sha1 = sha1;
  if (attr.includes('l')) {
    const target = readStrings(r.raw('symlink path'), r.fieldPath('symlink path'));
    if (target) out.symlink = target;
  }
  return out;
}

/** The files of a v1 info dictionary, in piece-space order; `multi` when it has a `files` list. */
export function readV1Files(info: DictReader, name: string, maxFiles: number): { files: RawFile[]; multi: boolean } {
  const hasLength = info.has('length');
  const hasFiles = info.has('files');
  if (hasLength === hasFiles) {
    throw new MetainfoError('METAINFO_BAD_FIELD', 'must have exactly one of "length" and "files"', 'info');
  }
  if (hasLength) {
    const extras = readExtras(info);
    return { files: [{ rel: [name], length: readLength(info), pad: false, ...extras, field: 'info.name' }], multi: false };
  }
  const list = info.list('files');
  if (list.length === 0) throw new MetainfoError('METAINFO_NO_FILES', 'empty file list', 'info.files');
  if (list.length > maxFiles) {
    throw new MetainfoError('METAINFO_TOO_LARGE', `${list.length} files, more than the limit of ${maxFiles}`, 'info.files');
  }
  const files: RawFile[] = [];
  list.forEach((entry, i) => {
    const field = `info.files[${i}]`;
    if (!isDict(entry)) throw new MetainfoError('METAINFO_BAD_FIELD', 'expected a dictionary', field);
    const r = new DictReader(entry, field, 'METAINFO_BAD_FIELD');
    const length = readLength(r);
    const extras = readExtras(r);
    let rel: string[] | undefined;
    try {
      // Some creators add a `path.utf-8` next to a `path` in a legacy encoding: prefer it.
      rel = readStrings(r.raw('path.utf-8'), `${field}.path.utf-8`);
    } catch {
      rel = undefined;
    }
    rel ??= readStrings(r.raw('path'), `${field}.path`);
    const last = rel?.[rel.length - 1];
    const pad = extras.attr.includes('p') || (last !== undefined && last.startsWith(BITCOMET_PAD));
    if (rel === undefined) {
      // BEP 47: padding files need not carry a path.
      if (!pad) return r.fail('path', 'required list is missing');
      rel = ['.pad', String(length)];
    }
    files.push({ rel, length, pad, ...extras, field: `${field}.path` });
  });
  return { files, multi: true };
}
