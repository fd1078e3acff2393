// Path safety for file names read from torrents (BEP 3 `path`, BEP 52 `file tree` keys, BEP 47
// `symlink path`).
//
// A path from a torrent must never escape the download folder, so anything that could, or that
// no file system can hold, is an error (MetainfoError):
//   - '.' and '..' components, a component starting with '/' or '\' (absolute): METAINFO_PATH_TRAVERSAL
//   - an empty path, an empty component, NUL, '/' or '\' inside a component:    METAINFO_BAD_PATH
//   - a component over 255 UTF-8 bytes, a path deeper than MAX_PATH_DEPTH:       METAINFO_PATH_TOO_LONG
// Names that are merely illegal on some common file system are sanitised instead, the same way
// on every platform so a torrent maps to the same disk layout everywhere (libtorrent also
// sanitises rather than rejects):
//   - control characters (U+0001-U+001F, U+007F) and < > : " | ? *  -> '_'
//   - trailing dots and spaces (Windows drops them)                -> '_' each
//   - Windows device names (CON, PRN, AUX, NUL, COM1-9, LPT1-9, also with an extension) -> '_' prefix
// `rawPath` keeps the names as written, for display; `path` is what goes to disk. Drive letters
// ("C:") cannot survive: ':' is always replaced. Two files that land on the same disk path after
// sanitising (or a file where another file needs a folder) are an error: METAINFO_DUPLICATE_PATH.
import { MetainfoError } from './errors.js';

/** Longest path component in UTF-8 bytes (ext4, NTFS, APFS all stop at 255). */
export const MAX_COMPONENT_BYTES = 255;
/** Deepest path accepted, in components (the torrent name included). */
export const MAX_PATH_DEPTH = 64;

export interface SafePath {
  /** Components as written in the torrent, for display. */
  readonly rawPath: readonly string[];
  /** Components safe to join under the download folder. */
  readonly path: readonly string[];
}

const utf8 = new TextEncoder();
const RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\.|$)/i;
// eslint-disable-next-line no-control-regex
const ILLEGAL_CHARS = /[\x01-\x1f\x7f<>:"|?*]/g;
// eslint-disable-next-line no-control-regex
const NEEDS_WORK = /[\x01-\x1f\x7f<>:"|?*]|[. ]$/;

function utf8Length(s: string): number {
  // Up to 85 UTF-16 units cannot exceed 255 UTF-8 bytes: skip the encoding for most names.
  return s.length <= 85 ? s.length : utf8.encode(s).length;
}

function tooLong(s: string): boolean {
  return s.length > MAX_COMPONENT_BYTES || utf8Length(s) > MAX_COMPONENT_BYTES;
}

/** Throws unless `component` is one safe path component; `field` names it in the error. */
export function checkComponent(component: string, field: string): void {
  const problem = componentProblem(component);
  if (problem) throw new MetainfoError(problem[0], problem[1], field);
}

function componentProblem(component: string): [MetainfoError['code'], string] | undefined {
  if (component.length === 0) return ['METAINFO_BAD_PATH', 'empty path component'];
  if (component === '.' || component === '..') return ['METAINFO_PATH_TRAVERSAL', `path component "${component}" is not allowed`];
  if (component.includes('\0')) return ['METAINFO_BAD_PATH', 'NUL byte in a path component'];
  if (component.includes('/') || component.includes('\\')) {
    const traversal = /^[/\\]/.test(component) || component.split(/[/\\]/).some((p) => p === '..' || p === '.');
    return [traversal ? 'METAINFO_PATH_TRAVERSAL' : 'METAINFO_BAD_PATH', `path separator inside the component "${printable(component)}"`];
  }
  if (tooLong(component)) return ['METAINFO_PATH_TOO_LONG', `path component longer than ${MAX_COMPONENT_BYTES} bytes`];
  return undefined;
}

/** Maps one (already checked) component to a name every common file system accepts. */
export function sanitizeComponent(component: string): string {
  if (!NEEDS_WORK.test(component) && !RESERVED.test(component)) return component;
  let s = component.replace(ILLEGAL_CHARS, '_');
  const m = /[. ]+$/.exec(s);
  if (m) s = s.slice(0, m.index) + '_'.repeat(m[0].length);
  if (RESERVED.test(s)) s = '_' + s;
  return s;
}

/**
 * Checks a path from a torrent and returns its display and disk forms. `field` is the field path
 * used in errors ("info.files[2].path").
 */
export function safePath(components: readonly string[], field: string): SafePath {
  if (components.length === 0) throw new MetainfoError('METAINFO_BAD_PATH', 'empty path', field);
  if (components.length > MAX_PATH_DEPTH) {
    throw new MetainfoError('METAINFO_PATH_TOO_LONG', `path deeper than ${MAX_PATH_DEPTH} components`, field);
  }
  const path: string[] = new Array<string>(components.length);
  for (let i = 0; i < components.length; i++) {
    const c = components[i] as string;
    const problem = componentProblem(c);
    if (problem) throw new MetainfoError(problem[0], problem[1], `${field}[${i}]`);
    const safe = sanitizeComponent(c);
    if (safe !== c && tooLong(safe)) {
      throw new MetainfoError('METAINFO_PATH_TOO_LONG', `path component longer than ${MAX_COMPONENT_BYTES} bytes`, `${field}[${i}]`);
    }
    path[i] = safe;
  }
  return { rawPath: [...components], path };
}

/** True when `components` would pass safePath unchanged (no error, nothing sanitised). */
export function isPortablePath(components: readonly string[]): boolean {
  try {
    const { path } = safePath(components, 'path');
    return path.every((c, i) => c === components[i]);
  } catch {
    return false;
  }
}

/**
 * Throws METAINFO_DUPLICATE_PATH when two non-padding files share a disk path, or when one file's
 * path is a folder of another's. Padding files are never written, so they may repeat.
 */
export function checkUniquePaths(
  files: readonly { readonly path: readonly string[]; readonly pad: boolean }[],
  field: string,
): void {
  const fileKeys = new Set<string>();
  const dirKeys = new Set<string>();
  files.forEach((f, i) => {
    if (f.pad) return;
    let prefix = '';
    for (let c = 0; c < f.path.length - 1; c++) {
      prefix = c === 0 ? (f.path[c] as string) : `${prefix}/${f.path[c] as string}`;
      if (fileKeys.has(prefix)) {
        throw new MetainfoError('METAINFO_DUPLICATE_PATH', `"${printable(prefix)}" is both a file and a folder`, `${field}[${i}]`);
      }
      dirKeys.add(prefix);
    }
    const key = f.path.join('/');
    if (fileKeys.has(key) || dirKeys.has(key)) {
      const what = fileKeys.has(key) ? 'two files have the path' : 'is both a file and a folder:';
      throw new MetainfoError('METAINFO_DUPLICATE_PATH', `${what} "${printable(key)}"`, `${field}[${i}]`);
    }
    fileKeys.add(key);
  });
}

function printable(s: string): string {
  const t = s.length > 60 ? s.slice(0, 60) + '…' : s;
  // eslint-disable-next-line no-control-regex
  return t.replace(/[\x00-\x1f\x7f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
