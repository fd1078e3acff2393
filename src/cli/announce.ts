// Tracker announcing for the download and seed commands: binds the tracker client's Announcer
// (src/discovery) to the engine's counters and hands the peers it learns to the client's dialer.
import { Announcer } from '../discovery/index.js';
import type { PeerAddress } from '../transport/types.js';

export interface AnnounceOptions {
  readonly tiers: readonly (readonly string[])[];
  readonly infoHash: Uint8Array;
  readonly peerId: Uint8Array;
  readonly port: number;
  readonly stats: () => { uploaded: number; downloaded: number; left: number };
  readonly onPeers: (peers: PeerAddress[]) => void;
  readonly onWarning: (e: Error) => void;
}

export interface AnnounceHandle {
  /** The download finished: tell the trackers (event `completed`). */
  completed(): void;
  /** Sends `stopped` (bounded in time); idempotent. */
  stop(): Promise<void>;
}

export function startAnnouncing(opts: AnnounceOptions): AnnounceHandle {
  const announcer = new Announcer({
    tiers: opts.tiers,
    status: () => ({ infoHash: opts.infoHash, peerId: opts.peerId, port: opts.port, ...opts.stats() }),
  });
  announcer.on('peers', (peers) => opts.onPeers(peers.map((p) => ({ host: p.ip, port: p.port }))));
  announcer.on('warning', (w) => opts.onWarning(new Error(`tracker ${w.tracker}: ${w.message}`)));
  announcer.start();
  return {
    completed: () => announcer.announce('completed'),
    stop: () => announcer.stop(),
  };
}
