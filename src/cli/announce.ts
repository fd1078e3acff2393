// Tracker announcing for the download and seed commands: adapts the tracker client
// (src/discovery) to the engine's numbers and peer list.
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
  completed(): void;
  stop(): Promise<void>;
}

export function startAnnouncing(opts: AnnounceOptions): AnnounceHandle {
  opts.onWarning(new Error('tracker client not wired in yet; use --peer'));
  return { completed() {}, stop: () => Promise.resolve() };
}
