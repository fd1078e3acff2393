// What one announce to one tracker sends and gets back, independent of HTTP or UDP.
import type { AnnounceEvent, PeerAddress, SwarmCounts } from '../../tracker-proto/index.js';

/** A peer's current state for one torrent, as the download engine reports it. */
export interface AnnounceStatus {
  /** 20 bytes. */
  readonly infoHash: Uint8Array;
  /** 20 bytes. */
  readonly peerId: Uint8Array;
  /** TCP port we accept peers on. */
  readonly port: number;
  readonly uploaded: number;
  readonly downloaded: number;
  readonly left: number;
}

export interface AnnounceParams extends AnnounceStatus {
  readonly event: AnnounceEvent;
  readonly numwant?: number | undefined;
  /** BEP 7 key, stable for the torrent session. */
  readonly key: number;
  /** HTTP: the tracker id the tracker gave us before. */
  readonly trackerId?: Uint8Array | undefined;
}

export interface TrackerAnnounceResult {
  /** Seconds until the next regular announce. */
  readonly interval: number;
  /** Seconds that must pass between announces, if the tracker says. */
  readonly minInterval?: number | undefined;
  readonly peers: PeerAddress[];
  readonly complete?: number | undefined;
  readonly incomplete?: number | undefined;
  readonly warning?: string | undefined;
  readonly trackerId?: Uint8Array | undefined;
  /** BEP 24: our address as the tracker sees it. */
  readonly externalIp?: string | undefined;
}

export interface RequestOptions {
  readonly signal?: AbortSignal | undefined;
  /** Overall time limit for this request. */
  readonly timeoutMs?: number | undefined;
}

export type ScrapeCounts = SwarmCounts;
