// TypeScript side of py/lt_driver.py: libtorrent 2.0 (Debian's python3-libtorrent) as a
// reference creator, parser, checker, seeder and leecher for interop tests.
import { fileURLToPath } from 'node:url';
import { ManagedProcess, run, spawnProcess } from './process.js';
import { SYSTEM_PYTHON } from './tools.js';
import type { CleanupScope } from './tools.js';

export const LT_DRIVER = fileURLToPath(new URL('../py/lt_driver.py', import.meta.url));

export type TorrentFormat = 'v1' | 'v2' | 'hybrid';

export interface LtCreateOptions {
  format: TorrentFormat;
  pieceLength: number;
  trackers?: string[];
  private?: boolean;
}

export interface LtCreateResult {
  infoHashV1: string | null;
  infoHashV2: string | null;
  name: string;
  numPieces: number;
  pieceLength: number;
  totalSize: number;
}

export interface LtFile {
  /** Path as libtorrent shows it, '/'-separated, starting with the torrent name for multi-file torrents. */
  path: string;
  size: number;
  /** Where the file starts in the piece space (v2 files start on piece boundaries). */
  offset: number;
  padFile: boolean;
}

export interface LtTorrentInfo {
  name: string;
  infoHashV1: string | null;
  infoHashV2: string | null;
  numPieces: number;
  pieceLength: number;
  totalSize: number;
  numFiles: number;
  private: boolean;
  trackers: string[];
  files: LtFile[];
}

export interface LtCheckResult {
  numPieces: number;
  havePieces: number;
  complete: boolean;
}

/** One status line printed by `seed`/`download` (events: ready, progress, done, timeout). */
export interface LtStatus {
  event: string;
  state: string;
  progress: number;
  havePieces: number;
  totalDone: number;
  downloaded: number;
  uploaded: number;
  peers: number;
  seeds: number;
  hasMetadata: boolean;
  infoHashV1: string | null;
  infoHashV2: string | null;
  port?: number;
  done?: boolean;
  /** With `reportPeers`: the peers connected at that moment. */
  peerList?: LtPeerInfo[];
}

/** One connected peer in a progress line (`reportPeers`). */
export interface LtPeerInfo {
  /** "IP:PORT" of the remote end of the connection. */
  address: string;
  /** libtorrent dialled it (false: the peer connected to libtorrent). */
  outgoing: boolean;
  /** libtorrent learned this peer through ut_pex. */
  pex: boolean;
  uploaded: number;
  downloaded: number;
  seed: boolean;
  client: string;
}

export interface LtPeerOptions {
  /** Listening port; 0 (default) lets libtorrent pick one, reported as `port`. */
  port?: number;
  /** Listening address (default 127.0.0.1); use 127.0.0.x to keep peers apart for IP bans. */
  host?: string;
  /** Peers to dial and keep re-dialling ("127.0.0.1:6881"). */
  peers?: string[];
  /** Extra trackers to announce to, besides the torrent's own. */
  trackers?: string[];
  /** The driver's own time limit in seconds (download default 60, seed 3600). */
  timeoutS?: number;
  /** How long to wait for the ready line (default 30 s). */
  readyTimeoutMs?: number;
  utp?: boolean;
  verbose?: boolean;
  /** download only: keep running as a seed after finishing. */
  keepSeeding?: boolean;
  /** seed only: trust the data instead of checking it first. */
  seedMode?: boolean;
  /** Disable ut_pex on this torrent: it neither learns peers from PEX nor sends PEX. */
  noPex?: boolean;
  /** Keep seed-to-seed connections open (libtorrent closes them by default). */
  keepRedundant?: boolean;
  /** Progress lines carry `peerList` (see LtPeerInfo). */
  reportPeers?: boolean;
  extraArgs?: string[];
}

/** A running libtorrent seed or download. */
export class LtPeer {
  constructor(
    readonly process: ManagedProcess,
    readonly ready: LtStatus,
    readonly host = '127.0.0.1',
  ) {}

  get port(): number {
    return this.ready.port ?? 0;
  }

  /** "HOST:PORT" of this peer, to hand to another client. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** Waits for the first JSON line with the given event (e.g. 'tracker_reply'). */
  waitEvent(event: string, timeoutMs: number): Promise<Record<string, unknown>> {
    return this.process.waitForJson((v) => v.event === event, timeoutMs, `libtorrent event '${event}'`);
  }

  /** download: waits for {"done":true} and a clean exit (unless keepSeeding). */
  async finished(timeoutMs: number): Promise<LtStatus> {
    const done = await this.process.waitForJson<LtStatus>((v) => v.event === 'done' || v.event === 'timeout', timeoutMs, 'download to finish');
    if (done.done !== true) throw this.process.failure(`download did not finish (${JSON.stringify(done)})`);
    return done;
  }

  stop(): Promise<unknown> {
    return this.process.stop();
  }
}

async function driverJson<T>(args: string[], timeoutMs: number): Promise<T> {
  const out = await run(SYSTEM_PYTHON, [LT_DRIVER, ...args], { name: `lt_driver ${args[0] ?? ''}`, timeoutMs });
  const last = out.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as T;
  } catch (e) {
    throw new Error(`lt_driver ${args.join(' ')} printed no JSON: ${out.slice(-2000)}`, { cause: e });
  }
}

async function startPeer(
  scope: CleanupScope,
  mode: 'seed' | 'download',
  torrent: string,
  dir: string,
  o: LtPeerOptions,
): Promise<LtPeer> {
  const args = [LT_DRIVER, mode, torrent, dir, '--port', String(o.port ?? 0)];
  if (o.host !== undefined) args.push('--host', o.host);
  for (const p of o.peers ?? []) args.push('--peer', p);
  for (const t of o.trackers ?? []) args.push('--tracker', t);
  if (o.timeoutS !== undefined) args.push('--timeout', String(o.timeoutS));
  if (o.utp === true) args.push('--utp');
  if (o.verbose === true) args.push('--verbose');
  if (o.keepSeeding === true) args.push('--keep-seeding');
  if (o.seedMode === true) args.push('--seed-mode');
  if (o.noPex === true) args.push('--no-pex');
  if (o.keepRedundant === true) args.push('--keep-redundant');
  if (o.reportPeers === true) args.push('--report-peers');
  args.push(...(o.extraArgs ?? []));
  const p = spawnProcess(scope, SYSTEM_PYTHON, args, { name: `libtorrent ${mode}` });
  const ready = await p.waitForJson<LtStatus>((v) => v.event === 'ready', o.readyTimeoutMs ?? 30_000, 'libtorrent ready line');
  return new LtPeer(p, ready, o.host ?? '127.0.0.1');
}

export const libtorrent = {
  /** Creates a .torrent from a file or folder; returns its info hashes (hex). */
  create(src: string, out: string, o: LtCreateOptions): Promise<LtCreateResult> {
    const args = ['create', '--format', o.format, '--piece-length', String(o.pieceLength)];
    for (const t of o.trackers ?? []) args.push('--tracker', t);
    if (o.private === true) args.push('--private');
    return driverJson<LtCreateResult>([...args, src, out], 60_000);
  },

  /** What libtorrent reads from a .torrent (throws if libtorrent rejects it). */
  info(torrent: string): Promise<LtTorrentInfo> {
    return driverJson<LtTorrentInfo>(['info', torrent], 30_000);
  },

  /** Checks `dataDir` (the folder holding the torrent's file or top folder) against the torrent. */
  check(torrent: string, dataDir: string, timeoutS = 60): Promise<LtCheckResult> {
    return driverJson<LtCheckResult>(['check', torrent, dataDir, '--timeout', String(timeoutS)], timeoutS * 1000 + 15_000);
  },

  /** Starts seeding; resolves once the data is checked and the session listens. */
  seed(scope: CleanupScope, torrent: string, dataDir: string, o: LtPeerOptions = {}): Promise<LtPeer> {
    return startPeer(scope, 'seed', torrent, dataDir, o);
  },

  /** Starts a download (torrent file or magnet URI); await `.finished()` on the result. */
  download(scope: CleanupScope, torrent: string, outDir: string, o: LtPeerOptions = {}): Promise<LtPeer> {
    return startPeer(scope, 'download', torrent, outDir, o);
  },
};
