// Tracker counters for `/stats` (JSON) and `/metrics` (Prometheus text exposition format 0.0.4).
import type { StoreStats } from './store.js';

export type Proto = 'http' | 'udp';
const RING = 16;
const RATE_SECONDS = 10;

export class TrackerMetrics {
  readonly announces = { http: 0, udp: 0 };
  readonly scrapes = { http: 0, udp: 0 };
  readonly failures = { http: 0, udp: 0 };
  connects = 0;
  /** UDP packets dropped as garbage or with a bad connection id. */
  dropped = 0;
  private readonly ringSec = new Float64Array(RING).fill(-1);
  private readonly ringCount = new Uint32Array(RING);

  constructor(private readonly startedAt: number) {}

  announce(proto: Proto, now: number): void {
    this.announces[proto]++;
    const sec = Math.floor(now / 1000);
    const i = sec % RING;
    if (this.ringSec[i] !== sec) {
      this.ringSec[i] = sec;
      this.ringCount[i] = 0;
    }
    this.ringCount[i] = (this.ringCount[i] as number) + 1;
  }

  /** Mean over the last complete ten seconds. */
  announcesPerSecond(now: number): number {
    const sec = Math.floor(now / 1000);
    let n = 0;
    for (let s = sec - RATE_SECONDS; s < sec; s++) {
      const i = ((s % RING) + RING) % RING;
      if (this.ringSec[i] === s) n += this.ringCount[i] as number;
    }
    return n / RATE_SECONDS;
  }

  json(store: StoreStats, now: number): Record<string, unknown> {
    return {
      ...store,
      announcesPerSecond: this.announcesPerSecond(now),
      announces: { ...this.announces },
      scrapes: { ...this.scrapes },
      failures: { ...this.failures },
      udpConnects: this.connects,
      udpDropped: this.dropped,
      rssBytes: process.memoryUsage.rss(),
      uptimeSeconds: Math.floor((now - this.startedAt) / 1000),
    };
  }

  prometheus(store: StoreStats, now: number): string {
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, samples: [string, number][]): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of samples) lines.push(`${name}${labels} ${v}`);
    };
    metric('shoal_tracker_swarms', 'gauge', 'Swarms with at least one peer.', [['', store.swarms]]);
    metric('shoal_tracker_peers', 'gauge', 'Peers listed, by state.', [
      ['{state="seeder"}', store.seeders],
      ['{state="leecher"}', store.leechers],
    ]);
    const byProto = (c: { http: number; udp: number }): [string, number][] => [
      ['{proto="http"}', c.http],
      ['{proto="udp"}', c.udp],
    ];
    metric('shoal_tracker_announces_total', 'counter', 'Announces answered.', byProto(this.announces));
    metric('shoal_tracker_scrapes_total', 'counter', 'Scrapes answered.', byProto(this.scrapes));
    metric('shoal_tracker_failures_total', 'counter', 'Requests answered with a failure or error.', byProto(this.failures));
    metric('shoal_tracker_udp_connects_total', 'counter', 'UDP connect requests answered.', [['', this.connects]]);
    metric('shoal_tracker_udp_dropped_total', 'counter', 'UDP packets dropped as garbage.', [['', this.dropped]]);
    metric('shoal_tracker_announces_per_second', 'gauge', 'Announce rate over the last 10 s.', [['', this.announcesPerSecond(now)]]);
    metric('shoal_tracker_rss_bytes', 'gauge', 'Resident memory of this process.', [['', process.memoryUsage.rss()]]);
    metric('shoal_tracker_uptime_seconds', 'gauge', 'Seconds since start.', [['', Math.floor((now - this.startedAt) / 1000)]]);
    return lines.join('\n') + '\n';
  }
}
