// What a swarm simulation is made of: the torrent, the peers (capacity classes, arrivals,
// departures, free-riders, churn), the seeders, peer discovery and the run's limits.

export const Mbit = 1_000_000 / 8; // bytes per second in one Mbit/s

export interface PeerClass {
  readonly name: string;
  /** Bytes per second. */
  readonly upload: number;
  readonly download: number;
  /** Relative share of the peers (default 1). */
  readonly weight?: number;
}

/** The mix: 1/10, 5/50 and 20/100 Mbit/s (upload/download), in equal shares. */
export const DEFAULT_CLASSES: readonly PeerClass[] = [
  { name: '1/10', upload: 1 * Mbit, download: 10 * Mbit },
  { name: '5/50', upload: 5 * Mbit, download: 50 * Mbit },
  { name: '20/100', upload: 20 * Mbit, download: 100 * Mbit },
];

export type Arrivals =
  /** Everyone arrives within `windowMs` of the start (uniformly spread). */
  | { readonly kind: 'flash'; readonly windowMs?: number }
  /** A Poisson process of `perSecond` arrivals until `peers` have come. */
  | { readonly kind: 'poisson'; readonly perSecond: number };

export interface SeederConfig {
  readonly count: number;
  readonly upload: number;
  readonly download: number;
  /** The seeder leaves once it has put this many payload bytes on the wire. */
  readonly leaveAfterBytes?: number;
  /** The seeder leaves once the leechers present hold a full copy (every piece verified by one). */
  readonly leaveWhenSwarmHasCopy?: boolean;
  /** The seeder leaves at this time (ms). */
  readonly leaveAtMs?: number;
  /** The seeders super-seed (BEP 16; Torrent `superSeed`). */
  readonly superSeed?: boolean;
}

export interface ChurnConfig {
  /** Fraction of the leechers that leave before finishing. */
  readonly leaveFraction: number;
  /** Each leaver leaves at a uniformly drawn progress in this range (fractions of the pieces). */
  readonly atProgress: readonly [number, number];
  /** A new peer arrives in the place of each one that leaves, after this delay (ms); omit: none. */
  readonly replaceAfterMs?: number;
}

export interface TrackerConfig {
  /** Peers handed out per announce. */
  readonly peersPerAnnounce: number;
  /** Connection limit of every peer (incoming and outgoing together). */
  readonly maxConnections: number;
  /**
   * A peer dials others only while it has fewer connections than this; the rest of its limit is
   * left to incoming connections, so that the first arrivals do not fill each other's limits and
   * leave later ones to form a swarm of their own (a clique of early peers, seeder included).
   */
  readonly dialTarget: number;
  /**
   * An unfinished peer below `dialTarget` announces again this often; so does one that verified
   * nothing for that long, and it then dials up to `maxConnections`.
   */
  readonly reannounceMs: number;
}

export interface SwarmConfig {
  readonly seed: number;
  readonly pieceCount: number;
  readonly pieceLength: number;
  /** Leechers (replacements under churn not included). */
  readonly peers: number;
  readonly classes: readonly PeerClass[];
  /** Each host's one-way access latency is drawn uniformly from this range (ms). */
  readonly latencyMs: readonly [number, number];
  readonly seeders: SeederConfig;
  readonly arrivals: Arrivals;
  /** How long a leecher stays after completing (ms): 0 leaves at once, Infinity never. */
  readonly seedTimeMs: number;
  /** Fraction of leechers that upload nothing (they never unchoke anyone). */
  readonly freeRiders: number;
  readonly churn?: ChurnConfig;
  readonly tracker: TrackerConfig;
  /** The engine's regular unchoke slots (Torrent `uploadSlots`). */
  readonly uploadSlots?: number;
  /** Piece selection (Torrent `pieceStrategy`). */
  readonly pieceStrategy?: 'rarest' | 'random';
  /** Memory for pieces in progress (Torrent `maxInflightBytes`; it caps the pieces in progress). */
  readonly maxInflightBytes?: number;
  /** Stop at this virtual time (ms) even if peers are unfinished. */
  readonly maxTimeMs: number;
  /** Stop when no leecher has verified a piece for this long (ms): the swarm is stuck. */
  readonly stallStopMs: number;
  /** Clock quantum (ms); see clock.ts. */
  readonly quantumMs: number;
  /** Time-series sampling period (ms). */
  readonly sampleMs: number;
}

export const DEFAULT_TRACKER: TrackerConfig = {
  peersPerAnnounce: 50,
  maxConnections: 50,
  dialTarget: 25,
  reannounceMs: 30_000,
};

export function defaultConfig(over: Partial<SwarmConfig> = {}): SwarmConfig {
  return {
    seed: 1,
    pieceCount: 100,
    pieceLength: 256 * 1024,
    peers: 10,
    classes: DEFAULT_CLASSES,
    latencyMs: [10, 50],
    seeders: { count: 1, upload: 20 * Mbit, download: 100 * Mbit },
    arrivals: { kind: 'flash', windowMs: 1000 },
    seedTimeMs: Infinity,
    freeRiders: 0,
    tracker: DEFAULT_TRACKER,
    maxTimeMs: 4 * 3600_000,
    stallStopMs: 600_000,
    quantumMs: 1,
    sampleMs: 1000,
    ...over,
  };
}
