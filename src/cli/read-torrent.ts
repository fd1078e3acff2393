// Loading a .torrent file for a command: the size is bounded before anything is read, and only
// the size seen then is read, so a file that grows meanwhile is bounded too.
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { MetainfoError, parseMetainfo, PARSE_LIMITS, type Metainfo } from '../metainfo/index.js';

export async function readTorrent(file: string, cwd: string): Promise<Metainfo> {
  const fh = await open(resolve(cwd, file), 'r');
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new UsageError(`${file} is not a file`);
    if (st.size > PARSE_LIMITS.maxSize) {
      throw new MetainfoError('METAINFO_TOO_LARGE', `${file} is ${st.size} bytes, more than the limit of ${PARSE_LIMITS.maxSize}`);
    }
    const buf = new Uint8Array(st.size);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return parseMetainfo(buf.subarray(0, got));
  } finally {
    await fh.close();
  }
}
