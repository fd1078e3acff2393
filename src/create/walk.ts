// Finds the files a new torrent describes (BEP 3 single-file and multi-file layouts).
//
// A file gives a single-file torrent; a folder gives a multi-file torrent of every regular file
// below it, hidden ones included. Symlinks are not followed (they could point outside the folder
// or loop) and special files are skipped: each skip is reported as a note. Names that are not
// valid UTF-8 are skipped too, since BEP 3 paths are UTF-8 and Node could not open them again
// from a decoded name. Files come out sorted by path, component by component, in byte order:
// the order of the BEP 52 file tree, so v1 and v2 list files alike.
import { lstat, readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { MAX_PATH_DEPTH, comparePaths } from '../metainfo/index.js';
import { CreateError } from './errors.js';

export interface FoundFile {
  /** Path components below the torrent's root folder (for a single file: its name). */
  readonly path: readonly string[];
  /** Where to read it. */
  readonly source: string;
  readonly length: number;
  readonly executable: boolean;
}

export interface WalkResult {
  readonly name: string;
  readonly singleFile: boolean;
  readonly files: readonly FoundFile[];
  /** Entries left out, one human-readable line each. */
  readonly notes: readonly string[];
}

// A torrent path has at most MAX_PATH_DEPTH - 1 components below the torrent's name.
const MAX_DEPTH = MAX_PATH_DEPTH - 1;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function walk(path: string, signal?: AbortSignal): Promise<WalkResult> {
  const root = resolve(path);
  let st;
  try {
    st = await stat(root);
  } catch (e) {
    if (isCode(e, 'ENOENT') || isCode(e, 'ENOTDIR')) {
      throw new CreateError('CREATE_PATH_NOT_FOUND', `no such file or folder: ${path}`, { cause: e });
    }
    throw e;
  }
  const name = basename(root);
  if (st.isFile()) {
    const file = { path: [name], source: root, length: st.size, executable: (st.mode & 0o111) !== 0 };
    return { name, singleFile: true, files: [file], notes: [] };
  }
  if (!st.isDirectory()) {
    throw new CreateError('CREATE_NOT_A_FILE_OR_FOLDER', `${path} is neither a regular file nor a folder`);
  }
  const files: FoundFile[] = [];
  const notes: string[] = [];
  await walkDir(root, [], files, notes, signal);
  files.sort((a, b) => comparePaths(a.path, b.path));
  return { name, singleFile: false, files, notes };
}

async function walkDir(dir: string, rel: string[], files: FoundFile[], notes: string[], signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  if (rel.length >= MAX_DEPTH) {
    throw new CreateError('CREATE_TOO_DEEP', `folders nested more than ${MAX_DEPTH} deep at ${dir} (a torrent path is limited)`);
  }
  const entries = await readdir(dir, { withFileTypes: true, encoding: 'buffer' });
  for (const entry of entries) {
    let name: string;
    try {
      name = utf8.decode(entry.name);
    } catch {
      notes.push(`skipped ${join(dir, entry.name.toString('latin1'))}: name is not valid UTF-8`);
      continue;
    }
    const full = join(dir, name);
    const relPath = [...rel, name];
    if (entry.isSymbolicLink()) {
      notes.push(`skipped symlink ${full} (symlinks are not followed)`);
    } else if (entry.isDirectory()) {
      await walkDir(full, relPath, files, notes, signal);
    } else if (entry.isFile()) {
      const st = await lstat(full);
      files.push({ path: relPath, source: full, length: st.size, executable: (st.mode & 0o111) !== 0 });
    } else {
      notes.push(`skipped ${full}: not a regular file`);
    }
  }
}

function isCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && 'code' in e && (e as { code: unknown }).code === code;
}
