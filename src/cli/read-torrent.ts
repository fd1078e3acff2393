// Loading a .torrent file for a command: the size is bounded before anything is read.
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { MetainfoError, parseMetainfo, PARSE_LIMITS, type Metainfo } from '../metainfo/index.js';

export async function readTorrent(file: string, cwd: string): Promise<Metainfo> {
  const path = resolve(cwd, file);
  const st = await stat(path);
  if (!st.isFile()) throw new UsageError(`${file} is not a file`);
  // A huge or endless file must not be loaded into memory.
  if (st.size > PARSE_LIMITS.maxSize) {
    throw new MetainfoError('METAINFO_TOO_LARGE', `${file} is ${st.size} bytes, more than the limit of ${PARSE_LIMITS.maxSize}`);
  }
  return parseMetainfo(await readFile(path));
}
