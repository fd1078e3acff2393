// The metadata phase of a magnet download (BEP 9): the info dictionary is taken from the cache
// in the download folder when an earlier run fetched it, else fetched from peers and cached, so a
// restarted magnet download resumes without asking the swarm again.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AbortedError, ShoalError } from '../errors.js';
import { encode } from '../bencode/index.js';
import { parseMetainfo, toHex, type MagnetLink, type Metainfo } from '../metainfo/index.js';
import { MetadataFetcher, type Client } from '../session/index.js';
import { equalBytes } from '../metainfo/index.js';

export interface MetadataPhase {
  readonly metainfo: Metainfo;
  /** Set when the metadata was fetched: its connections are handed to the torrent. */
  readonly fetcher?: MetadataFetcher;
}

/** Where a fetched info dictionary is kept: `<dir>/.shoal/<infohash>.torrent`. */
export function metadataCachePath(dir: string, infoHash: Uint8Array): string {
  return join(dir, '.shoal', `${toHex(infoHash)}.torrent`);
}

function sameTorrent(meta: Metainfo, magnet: MagnetLink): boolean {
  if (magnet.infoHashV1 && !(meta.infoHashV1 && equalBytes(meta.infoHashV1, magnet.infoHashV1))) return false;
  if (magnet.infoHashV2 && !(meta.infoHashV2 && equalBytes(meta.infoHashV2, magnet.infoHashV2))) return false;
  return true;
}

export async function obtainMetadata(opts: {
  client: Client;
  magnet: MagnetLink;
  dir: string;
  /** Called with the fetcher once it is registered, so peer sources can feed it. */
  onFetcher: (f: MetadataFetcher) => void;
  onWarning: (e: Error) => void;
  signal: AbortSignal;
}): Promise<MetadataPhase> {
  const { magnet } = opts;
  const cache = metadataCachePath(opts.dir, magnet.infoHash);
  try {
    const meta = parseMetainfo(await readFile(cache));
    if (sameTorrent(meta, magnet)) return { metainfo: meta };
  } catch {
    // No cache (or a damaged one): fetch.
  }
  const fetcher = new MetadataFetcher({
    infoHash: magnet.infoHash,
    peerId: opts.client.peerId,
    ...(magnet.infoHashV1 ? { infoHashV1: magnet.infoHashV1 } : {}),
    ...(magnet.infoHashV2 ? { infoHashV2: magnet.infoHashV2 } : {}),
  });
  fetcher.on('warning', opts.onWarning);
  opts.client.add(fetcher);
  opts.onFetcher(fetcher);
  const [info, layers] = await new Promise<[Uint8Array, ReadonlyMap<string, Uint8Array> | undefined]>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortedError('metadata fetch interrupted'));
    if (opts.signal.aborted) return onAbort();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    fetcher.once('done', (bytes, pieceLayers) => {
      opts.signal.removeEventListener('abort', onAbort);
      resolve([bytes, pieceLayers]);
    });
  }).catch((e: unknown) => {
    opts.client.remove(fetcher);
    fetcher.stop();
    throw e;
  });
  // A .torrent holding the info dictionary byte for byte (so the hashes stay the same) and, for
  // v2, the piece layers the peers sent; parsing it checks the layers against the roots again.
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [enc.encode('d4:info'), info];
  if (layers && layers.size > 0) parts.push(enc.encode('12:piece layers'), encode(new Map(layers)));
  parts.push(enc.encode('e'));
  const torrent = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    torrent.set(p, off);
    off += p.length;
  }
  const meta = parseMetainfo(torrent);
  try {
    await mkdir(dirname(cache), { recursive: true });
    await writeFile(`${cache}.tmp`, torrent);
    await rename(`${cache}.tmp`, cache);
  } catch (e) {
    opts.onWarning(new ShoalError('METADATA_CACHE', `could not cache the metadata: ${e instanceof Error ? e.message : String(e)}`));
  }
  return { metainfo: meta, fetcher };
}
