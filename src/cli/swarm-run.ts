// What `shoal download` and `shoal seed` share: start a client, open the torrent, report progress
// (a bar on a terminal, JSON lines for scripts), and shut down cleanly on completion or signal.
import { UsageError } from '../errors.js';
import type { MagnetLink, Metainfo } from '../metainfo/index.js';
import { Client, openTorrent, TokenBucket, realScheduler, parsePeerAddress, type OpenedTorrent, type SwarmMember } from '../session/index.js';
import { obtainMetadata, type MetadataPhase } from './magnet-metadata.js';
import type { PeerAddress } from '../transport/types.js';
import type { CliIO } from './command.js';
import { formatBytes } from './progress.js';
import { startAnnouncing, type AnnounceHandle } from './announce.js';
import { defaultBootstrap, discoverThroughDht, startDhtNode, type DhtDiscovery } from './dht-source.js';
import type { DhtNode } from '../discovery/dht/index.js';
import { LocalDiscovery } from '../discovery/lsd/index.js';
import { join } from 'node:path';
import { toHex as hex } from '../metainfo/index.js';

export interface SwarmRunOptions {
  /** A torrent file's metainfo, or a magnet link whose metadata is fetched from peers first. */
  readonly source: { readonly metainfo: Metainfo } | { readonly magnet: MagnetLink };
  readonly dir: string;
  readonly peers: readonly string[];
  readonly announce: readonly string[];
  readonly host?: string;
  readonly port?: number;
  readonly bind?: string;
  readonly seed: boolean;
  readonly sequential: boolean;
  /** Super-seed (BEP 16) once seeding. */
  readonly superSeed?: boolean;
  readonly only?: readonly number[];
  readonly maxUploadRate?: number;
  readonly maxDownloadRate?: number;
  readonly jsonProgress: boolean;
  readonly recheck: boolean;
  /** Join the DHT (BEP 5) unless the torrent is private. */
  readonly dht: boolean;
  /** DHT entry nodes (HOST:PORT); default: see defaultBootstrap. */
  readonly bootstrap?: readonly string[];
  /** Local Service Discovery (BEP 14) on the LAN, unless the torrent is private. */
  readonly lsd: boolean;
  /** download: exit once complete unless `seed`; seed: run until a signal. */
  readonly mode: 'download' | 'seed';
}

export async function runSwarm(o: SwarmRunOptions, io: CliIO): Promise<number> {
  const peers: PeerAddress[] = o.peers.map((s) => {
    const a = parsePeerAddress(s);
    if (!a) throw new UsageError(`--peer: '${s}' is not HOST:PORT`);
    return a;
  });
  const magnet = 'magnet' in o.source ? o.source.magnet : undefined;
  if (magnet) for (const p of magnet.peers) peers.push({ host: p.host, port: p.port });
  const warn = (e: Error): void => {
    if (!o.jsonProgress) io.stderr.write(`shoal: warning: ${e.message}\n`);
    else io.stdout.write(JSON.stringify({ event: 'warning', message: e.message }) + '\n');
  };
  const client = await Client.start({
    ...(o.host ? { host: o.host } : {}),
    ...(o.port !== undefined ? { port: o.port } : {}),
    ...(o.bind ? { localAddress: o.bind } : o.host && o.host !== '0.0.0.0' && o.host !== '::' ? { localAddress: o.host } : {}),
  });
  // A download hashes its first piece within a second or so: start a worker now, while the
  // torrent is opened and peers are dialled, not when that piece is already waiting for it.
  if (o.mode === 'download') client.pool.warm(1);
  let opened: OpenedTorrent | undefined;
  let announcer: AnnounceHandle | undefined;
  /** Who gets the peers that trackers find: the metadata fetcher, then the torrent. */
  let member: SwarmMember | undefined;
  const bar = io.stdout.isTTY && !o.jsonProgress;
  const startAnnouncer = (tiers: string[][], infoHash: Uint8Array, left: () => number): void => {
    if (announcer || tiers.length === 0) return;
    announcer = startAnnouncing({
      tiers,
      infoHash,
      peerId: client.peerId,
      port: client.port,
      stats: () => {
        const s = opened?.torrent.stats();
        return { uploaded: s?.uploaded ?? 0, downloaded: s?.downloaded ?? 0, left: left() };
      },
      onPeers: (list) => {
        if (member) client.addPeers(member, list);
      },
      onWarning: warn,
    });
  };
  let dhtNode: DhtNode | undefined;
  let dhtDiscovery: DhtDiscovery | undefined;
  const startDht = async (infoHash: Uint8Array): Promise<void> => {
    if (!o.dht || dhtDiscovery) return;
    dhtNode ??= await startDhtNode({
      ...(o.host ? { host: o.host } : {}),
      port: client.port,
      bootstrap: o.bootstrap ?? defaultBootstrap(io.env),
      stateFile: join(o.dir, '.shoal', 'dht.state'),
      onWarning: warn,
    });
    dhtDiscovery = discoverThroughDht(dhtNode, {
      infoHash,
      port: client.port,
      peerCount: () => member?.peerCount ?? 0,
      onPeers: (list) => {
        if (member) client.addPeers(member, list);
      },
      onWarning: warn,
    });
  };
  let lsd: LocalDiscovery | undefined;
  const startLsd = async (infoHash: Uint8Array): Promise<void> => {
    // Multicast leaves this machine: tests turn it off with SHOAL_LSD=off.
    if (!o.lsd || io.env.SHOAL_LSD === 'off' || lsd) return;
    const node = new LocalDiscovery({ port: client.port });
    node.on('warning', (w) => warn(new Error(`LSD: ${w.message}`)));
    node.on('peer', (p) => {
      if (member && Buffer.from(p.infoHash).equals(Buffer.from(member.infoHash))) client.addPeers(member, [{ host: p.host, port: p.port }]);
    });
    lsd = node;
    try {
      await node.start();
      node.add(infoHash);
    } catch (e) {
      warn(new Error(`local service discovery unavailable: ${e instanceof Error ? e.message : String(e)}`));
    }
  };
  try {
    let phase: MetadataPhase;
    if (magnet) await startDht(magnet.infoHash);
    if (magnet) await startLsd(magnet.infoHash);
    if (magnet) {
      startAnnouncer([...magnet.trackers.map((u) => [u]), ...o.announce.map((u) => [u])], magnet.infoHash, () => magnet.length ?? 1);
      if (!o.jsonProgress) io.stderr.write(`shoal: fetching metadata for ${magnet.name ?? hex(magnet.infoHash)} (port ${client.port})\n`);
      phase = await obtainMetadata({
        client, magnet, dir: o.dir, signal: io.signal, onWarning: warn,
        onFetcher: (f) => {
          member = f;
          if (peers.length) client.addPeers(f, peers);
        },
      });
      if (o.jsonProgress) io.stdout.write(JSON.stringify({ event: 'metadata', name: phase.metainfo.name, fetched: !!phase.fetcher }) + '\n');
    } else if ('metainfo' in o.source) {
      phase = { metainfo: o.source.metainfo };
    } else {
      throw new UsageError('nothing to download');
    }
    const metainfo = phase.metainfo;
    const only = o.only ?? (magnet?.selectOnly ? visibleToFileIndexes(metainfo, magnet.selectOnly) : undefined);
    opened = await openTorrent({
      client,
      metainfo,
      dir: o.dir,
      peers,
      recheck: o.recheck,
      sequential: o.sequential,
      ...(o.superSeed ? { superSeed: true } : {}),
      ...(only ? { only } : {}),
      ...(o.maxUploadRate ? { uploadLimiter: new TokenBucket(realScheduler, o.maxUploadRate) } : {}),
      ...(o.maxDownloadRate ? { downloadLimiter: new TokenBucket(realScheduler, o.maxDownloadRate) } : {}),
      ...(phase.fetcher ? { replacing: phase.fetcher, adopt: phase.fetcher.handOver() } : {}),
      onWarning: warn,
      signal: io.signal,
      onCheckProgress: (p) => {
        if (bar) io.stdout.write(`\rchecking ${p.checked}/${p.total} pieces`);
      },
    });
    const { torrent } = opened;
    member = torrent;
    torrent.on('banned', (address, why) => {
      if (o.jsonProgress) io.stdout.write(JSON.stringify({ event: 'banned', address, reason: why }) + '\n');
      else io.stderr.write(`shoal: banned ${address}: ${why}\n`);
    });
    if (metainfo.private) {
      // BEP 27: a private torrent's peers come from its trackers only.
      dhtDiscovery?.stop();
      dhtDiscovery = undefined;
    } else {
      await startDht(torrent.infoHash);
      dhtDiscovery?.announce();
      await startLsd(torrent.infoHash);
    }
    if (bar) io.stdout.write('\r\x1b[K');
    if (o.jsonProgress) {
      io.stdout.write(JSON.stringify({ event: 'started', port: client.port, infoHash: hex(torrent.infoHash), from: opened.startedFrom, have: torrent.have.count, pieces: torrent.metainfo.pieceCount }) + '\n');
    } else {
      io.stderr.write(`shoal: ${o.mode === 'seed' ? 'seeding' : 'downloading'} ${metainfo.name} on port ${client.port} (${torrent.have.count}/${torrent.metainfo.pieceCount} pieces verified${opened.startedFrom === 'resume' ? ', from resume data' : ''})\n`);
    }
    startAnnouncer([...metainfo.announce.map((t) => [...t]), ...o.announce.map((u) => [u])], torrent.infoHash, () => {
      const s = torrent.stats();
      return Math.max(0, s.bytesWanted - s.bytesHave);
    });
    const started = Date.now();
    const report = (final = false): void => {
      const s = torrent.stats();
      if (o.jsonProgress) {
        io.stdout.write(JSON.stringify({
          event: final ? 'done' : 'progress',
          progress: s.bytesWanted ? s.bytesHave / s.bytesWanted : 1,
          have: s.havePieces, pieces: s.pieceCount, downloaded: s.downloaded, uploaded: s.uploaded,
          downloadRate: Math.round(s.downloadRate), uploadRate: Math.round(s.uploadRate),
          peers: s.peers, seeds: s.seeds, hashFailures: s.hashFailures, elapsedMs: Date.now() - started,
          rss: process.memoryUsage.rss(),
        }) + '\n');
      } else if (bar) {
        const pct = s.bytesWanted ? (100 * s.bytesHave) / s.bytesWanted : 100;
        const eta = s.downloadRate > 0 ? Math.round((s.bytesWanted - s.bytesHave) / s.downloadRate) : undefined;
        const line = `${pct.toFixed(1).padStart(5)}% ${formatBytes(s.bytesHave)}/${formatBytes(s.bytesWanted)}  ↓ ${formatBytes(s.downloadRate)}/s ↑ ${formatBytes(s.uploadRate)}/s  peers ${s.peers}${eta !== undefined && pct < 100 ? `  eta ${eta}s` : ''}`;
        io.stdout.write(`\r\x1b[K${line.slice(0, (io.stdout.columns ?? 100) - 1)}`);
        if (final) io.stdout.write('\n');
      }
    };
    const ticker = setInterval(() => report(), o.jsonProgress ? 250 : 1000);
    const completed = new Promise<void>((resolve) => {
      if (torrent.isComplete) resolve();
      else torrent.once('complete', () => resolve());
    });
    const interrupted = new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    try {
      if (o.mode === 'download') {
        await Promise.race([completed, interrupted]);
        if (!io.signal.aborted) {
          report(true);
          announcer?.completed();
          if (!o.seed) return 0;
          if (!o.jsonProgress) io.stderr.write('shoal: download complete, seeding (Ctrl-C to stop)\n');
        }
      }
      if (!io.signal.aborted) await interrupted;
      report(true);
      return o.mode === 'download' && !torrent.isComplete ? 130 : 0;
    } finally {
      clearInterval(ticker);
    }
  } finally {
    dhtDiscovery?.stop();
    lsd?.stop();
    await dhtNode?.close();
    await announcer?.stop();
    await opened?.close();
    await client.close();
  }
}

/** BEP 53 `so` indexes count files as listed to users (padding files excluded). */
function visibleToFileIndexes(meta: Metainfo, visibleIndexes: readonly number[]): number[] {
  const visible = meta.files.flatMap((f, i) => (f.pad ? [] : [i]));
  return visibleIndexes.flatMap((i) => (visible[i] === undefined ? [] : [visible[i] as number]));
}


export function parseOnly(text: string | undefined, fileCount: number): number[] | undefined {
  if (text === undefined) return undefined;
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new UsageError(`--only: '${part}' is not an index or a range (e.g. 0,2,4-6)`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b >= fileCount) throw new UsageError(`--only: '${part}' is outside 0-${fileCount - 1}`);
    for (let i = a; i <= b; i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}
