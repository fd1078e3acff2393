// The DHT as a peer source for the download and seed commands (BEP 5): one node on the client's
// port number (UDP), a get_peers lookup at once and then every few minutes (sooner while we have
// few peers), and an announce of our port every 15 minutes once we take part in the swarm.
// Private torrents never use it (BEP 27).
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DEFAULT_BOOTSTRAP, DhtNode } from '../discovery/dht/index.js';
import type { PeerAddress } from '../transport/types.js';

export interface DhtSourceOptions {
  readonly host?: string;
  readonly port: number;
  /** Entry nodes; default: $SHOAL_DHT_BOOTSTRAP (comma-separated) if set, else the public routers. */
  readonly bootstrap?: readonly string[];
  /** Routing table kept between runs. */
  readonly stateFile?: string;
  readonly onWarning: (e: Error) => void;
}

/** The entry nodes to use when none are given; tests set SHOAL_DHT_BOOTSTRAP so nothing leaves the machine. */
export function defaultBootstrap(env: NodeJS.ProcessEnv): readonly string[] {
  const v = env.SHOAL_DHT_BOOTSTRAP;
  if (v === undefined) return DEFAULT_BOOTSTRAP;
  return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export async function startDhtNode(opts: DhtSourceOptions): Promise<DhtNode> {
  if (opts.stateFile) await mkdir(dirname(opts.stateFile), { recursive: true });
  const node = await DhtNode.create({
    host: opts.host && opts.host !== '::' ? opts.host : '0.0.0.0',
    port: opts.port,
    bootstrap: opts.bootstrap ?? DEFAULT_BOOTSTRAP,
    ...(opts.stateFile ? { state: opts.stateFile } : {}),
  });
  node.on('warning', opts.onWarning);
  return node;
}

export interface DhtDiscovery {
  /** Start announcing our port (once the torrent serves peers). */
  announce(): void;
  stop(): void;
}

const LOOKUP_EVERY_MS = 5 * 60_000;
const LOOKUP_EVERY_FEW_PEERS_MS = 30_000;
const ANNOUNCE_EVERY_MS = 15 * 60_000;

export function discoverThroughDht(node: DhtNode, opts: {
  infoHash: Uint8Array;
  port: number;
  peerCount: () => number;
  onPeers: (peers: PeerAddress[]) => void;
  onWarning: (e: Error) => void;
}): DhtDiscovery {
  const ac = new AbortController();
  let announcing = false;
  /** When our port was last stored by some node; a failed announce is retried next round. */
  let lastStored = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const announceNow = async (): Promise<void> => {
    const r = await node.announce(opts.infoHash, opts.port, { signal: ac.signal });
    if (r.peers.length) opts.onPeers(r.peers.map((p) => ({ host: p.host, port: p.port })));
    if (r.stored > 0) lastStored = Date.now();
  };
  const round = async (): Promise<void> => {
    try {
      const batch: PeerAddress[] = [];
      for await (const p of node.getPeers(opts.infoHash, { signal: ac.signal })) {
        batch.push({ host: p.host, port: p.port });
        if (batch.length >= 20) opts.onPeers(batch.splice(0));
      }
      if (batch.length) opts.onPeers(batch);
      if (announcing && Date.now() - lastStored >= ANNOUNCE_EVERY_MS) await announceNow();
    } catch (e) {
      if (!ac.signal.aborted) opts.onWarning(new Error(`DHT: ${e instanceof Error ? e.message : String(e)}`));
    }
    if (ac.signal.aborted) return;
    timer = setTimeout(() => void (running = round()), opts.peerCount() < 5 || (announcing && lastStored < 0) ? LOOKUP_EVERY_FEW_PEERS_MS : LOOKUP_EVERY_MS);
    timer.unref();
  };
  // Start once the routing table has filled, or after 10 s with whatever it holds by then.
  const patience = AbortSignal.any([ac.signal, AbortSignal.timeout(10_000)]);
  const ready = node.ready({ signal: patience }).catch(() => {});
  void ready.then(() => {
    if (!ac.signal.aborted) running = round();
  });
  return {
    announce() {
      if (announcing) return;
      announcing = true;
      // Announce as soon as the table is ready, without waiting for the next lookup round.
      void ready.then(async () => {
        await running;
        if (ac.signal.aborted || lastStored > 0) return;
        await announceNow();
      }).catch((e: unknown) => {
        if (!ac.signal.aborted) opts.onWarning(new Error(`DHT announce: ${e instanceof Error ? e.message : String(e)}`));
      });
    },
    stop() {
      ac.abort();
      if (timer) clearTimeout(timer);
    },
  };
}
