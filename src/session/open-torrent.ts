// Opening a torrent for download or seeding: storage under the download folder, resume data or a
// check of what is on disk (on all cores), the engine, its registration with the client, and
// resume data saved as pieces complete and at the end (so a restart never re-downloads).
import type { Metainfo } from '../metainfo/index.js';
import { FileStorage, resumePath, restoreOrCheck, saveResume, type CheckProgress, type Storage } from '../storage/index.js';
import type { PeerAddress } from '../transport/types.js';
import type { Client, SwarmMember } from './client.js';
import type { HandedOverPeer } from './metadata-fetcher.js';
import { PieceChecker } from './piece-checker.js';
import { Torrent } from './torrent.js';
import type { TokenBucket } from './token-bucket.js';

export interface OpenTorrentOptions {
  readonly client: Client;
  readonly metainfo: Metainfo;
  /** Download folder: the torrent's paths are resolved strictly inside it. */
  readonly dir: string;
  readonly peers?: readonly PeerAddress[];
  /** Hash everything on disk even if the resume file matches. */
  readonly recheck?: boolean;
  readonly sequential?: boolean;
  /** Super-seed while seeding (BEP 16; Torrent `superSeed`). */
  readonly superSeed?: boolean;
  /** Indexes into metainfo.files of the files to download (default all). */
  readonly only?: readonly number[];
  readonly uploadLimiter?: TokenBucket;
  readonly downloadLimiter?: TokenBucket;
  readonly onCheckProgress?: (p: CheckProgress) => void;
  readonly onWarning?: (e: Error) => void;
  readonly signal?: AbortSignal;
  /** The member registered for this info hash so far (a magnet link's metadata fetcher): replaced. */
  readonly replacing?: SwarmMember;
  /** Wraps the storage the engine writes through (tests record writes); start-up checks use the raw one. */
  readonly wrapStorage?: (storage: FileStorage) => Storage;
  /** Connections to adopt, with what their peers already said (from the metadata fetcher). */
  readonly adopt?: readonly HandedOverPeer[];
}

export interface OpenedTorrent {
  readonly torrent: Torrent;
  readonly storage: FileStorage;
  /** How the verified pieces were established at start. */
  readonly startedFrom: 'resume' | 'check';
  /** Saves resume data, stops the torrent and closes its storage; idempotent. */
  close(): Promise<void>;
}

const RESUME_EVERY_MS = 15_000;

export async function openTorrent(opts: OpenTorrentOptions): Promise<OpenedTorrent> {
  const { metainfo: meta, client } = opts;
  const wanted = opts.only ? meta.files.map((_, i) => opts.only?.includes(i) ?? true) : undefined;
  const storage = await FileStorage.open(meta, {
    root: opts.dir,
    ...(wanted ? { wanted } : {}),
    ...(opts.onWarning ? { onWarning: opts.onWarning } : {}),
  });
  const verifier = new PieceChecker(meta, client.pool);
  const path = resumePath(opts.dir, meta.infoHash);
  const restored = await restoreOrCheck({
    storage,
    verifier: verifier.asStorageVerifier(),
    path,
    infoHash: meta.infoHash,
    recheck: opts.recheck ?? false,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onCheckProgress ? { onProgress: opts.onCheckProgress } : {}),
    ...(opts.onWarning ? { onWarning: opts.onWarning } : {}),
  });
  let dirty = restored.source === 'check';
  let saving: Promise<void> = Promise.resolve();
  const torrent = new Torrent({
    metainfo: meta,
    storage: opts.wrapStorage ? opts.wrapStorage(storage) : storage,
    pool: client.pool,
    peerId: client.peerId,
    have: restored.bitfield,
    listenPort: client.port,
    sequential: opts.sequential ?? false,
    ...(opts.superSeed ? { superSeed: true } : {}),
    ...(opts.only ? { filePriorities: meta.files.map((_, i) => (opts.only?.includes(i) ? 4 : 0)) } : {}),
    ...(opts.uploadLimiter ? { uploadLimiter: opts.uploadLimiter } : {}),
    ...(opts.downloadLimiter ? { downloadLimiter: opts.downloadLimiter } : {}),
    onHaveChanged: () => {
      dirty = true;
    },
  });
  if (opts.onWarning) torrent.on('warning', opts.onWarning);
  const save = (): Promise<void> => {
    if (!dirty) return saving;
    dirty = false;
    const bits = torrent.have.toBytes();
    saving = saving
      .then(() => saveResume(storage, path, bits, { infoHash: meta.infoHash }))
      .catch((e: unknown) => opts.onWarning?.(e instanceof Error ? e : new Error(String(e))));
    return saving;
  };
  const timer = setInterval(() => void save(), RESUME_EVERY_MS);
  timer.unref();
  torrent.on('complete', () => void save());
  if (dirty) void save();
  if (opts.replacing) client.replace(opts.replacing, torrent);
  else client.add(torrent);
  torrent.start();
  for (const p of opts.adopt ?? []) torrent.addConnection(p.link, p.earlier);
  if (opts.peers?.length) client.addPeers(torrent, opts.peers);
  let closing: Promise<void> | undefined;
  return {
    torrent,
    storage,
    startedFrom: restored.source,
    close: () =>
      (closing ??= (async () => {
        clearInterval(timer);
        client.remove(torrent);
        torrent.stop();
        await torrent.drain().catch(() => {});
        await save();
        await storage.close();
      })()),
  };
}
