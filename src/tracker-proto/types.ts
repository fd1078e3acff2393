// Data model shared by the HTTP (BEP 3) and UDP (BEP 15) tracker codecs.

/** Announce events. The order matches the UDP event numbers of BEP 15 (0 none … 3 stopped). */
export type AnnounceEvent = 'none' | 'completed' | 'started' | 'stopped';
export const ANNOUNCE_EVENTS: readonly AnnounceEvent[] = ['none', 'completed', 'started', 'stopped'];

/** One announce, as parsed from an HTTP query or a UDP packet, or as a client sends it. */
export interface AnnounceRequest {
  /** 20 bytes. Decoders return views into the input: copy what you keep. */
  readonly infoHash: Uint8Array;
  /** 20 bytes. */
  readonly peerId: Uint8Array;
  /** TCP port the peer listens on, 1..65535. */
  readonly port: number;
  readonly uploaded: number;
  readonly downloaded: number;
  readonly left: number;
  readonly event: AnnounceEvent;
  /** Peers wanted; undefined = the tracker's default. */
  readonly numwant?: number | undefined;
  /** BEP 7 `key`: stable per torrent session, lets a tracker match a peer across addresses. */
  readonly key?: number | undefined;
  /** HTTP only: BEP 23 `compact` preference (default true). */
  readonly compact?: boolean | undefined;
  /** HTTP only: omit peer ids in a non-compact list. */
  readonly noPeerId?: boolean | undefined;
  /** HTTP `ip` parameter (text) or UDP IP field (dotted); a server honours it only from a trusted proxy. */
  readonly ip?: string | undefined;
  /** HTTP only: the `tracker id` the tracker gave in a previous response. */
  readonly trackerId?: Uint8Array | undefined;
}

/** A peer from a tracker response. */
export interface PeerAddress {
  /** IPv4 dotted quad, IPv6 text, or (non-compact lists) a host name. */
  readonly ip: string;
  readonly port: number;
  readonly peerId?: Uint8Array | undefined;
}

/** Swarm counters of one torrent (BEP 48 scrape, also returned by announces). */
export interface SwarmCounts {
  /** Seeders. */
  readonly complete: number;
  /** Leechers. */
  readonly incomplete: number;
  /** Completed downloads ever seen. */
  readonly downloaded: number;
}

export interface ScrapeEntry extends SwarmCounts {
  readonly infoHash: Uint8Array;
}
