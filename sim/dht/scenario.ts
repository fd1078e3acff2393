// DHT simulation scenarios on SimNetwork: build a network by gradual joins, optionally churn it,
// announce info hashes from stable nodes (re-announced every 15 minutes) and measure get_peers
// lookups from random nodes: success, RPC rounds, latency in ms and in mean RTTs, and whether a
// lookup ever sat idle while it had unqueried candidates. Everything runs on virtual time from
// one seed, so a run is reproducible.
import { getPeers, announce } from '../../src/discovery/dht/operations.js';
import type { Lookup } from '../../src/discovery/dht/lookup.js';
import type { Candidate } from '../../src/discovery/dht/lookup.js';
import { SimNetwork, type SimNode } from './network.js';

export interface ScenarioOptions {
  readonly seed: number;
  readonly nodes: number;
  /** Fraction of the population replaced per hour (0.2 = 20 %). */
  readonly churnPerHour: number;
  /** Packet loss (default 0.01). */
  readonly loss?: number;
  readonly lookups: number;
  readonly infoHashes: number;
  /** Pass datagrams through the KRPC codec (default true). */
  readonly encode?: boolean;
  /** Minutes to build the network (nodes join evenly over this time). */
  readonly joinMinutes?: number;
  /** Minutes of (churned) operation before measuring. */
  readonly warmupMinutes?: number;
  /** Minutes over which the measured lookups are spread. */
  readonly measureMinutes?: number;
  readonly log?: (line: string) => void;
}

export interface LookupSample {
  readonly ok: boolean;
  readonly rounds: number;
  readonly firstPeerRound: number | undefined;
  readonly latencyMs: number;
  readonly firstPeerMs: number | undefined;
  readonly queries: number;
  /** Queries that passed their slow deadline or failed. */
  readonly slowOrFailed: number;
}

export interface TableHealth {
  readonly meanNodes: number;
  readonly meanGoodFraction: number;
  readonly meanDeadFraction: number;
  readonly meanBuckets: number;
}

export interface ScenarioResult {
  readonly options: ScenarioOptions;
  readonly samples: LookupSample[];
  readonly idleWithWork: number;
  readonly meanRttMs: number;
  readonly table: TableHealth;
  readonly announces: { count: number; meanStored: number };
  readonly datagrams: number;
  readonly lost: number;
  readonly toDead: number;
  readonly departed: number;
  readonly joined: number;
  /** Simulator events processed (datagram deliveries, node wake-ups, scheduled calls). */
  readonly events: number;
  /** Live JS heap after the run (MiB) and the process's peak resident size so far (MiB). */
  readonly heapMiB: number;
  readonly peakRssMiB: number;
  readonly wallMs: number;
  readonly virtualMinutes: number;
}

const MIN = 60_000;

export function runScenario(o: ScenarioOptions): ScenarioResult {
  const started = Date.now();
  const log = o.log ?? (() => undefined);
  const net = new SimNetwork({ seed: o.seed, loss: o.loss ?? 0.01, encode: o.encode ?? true });
  const joinMin = o.joinMinutes ?? 30;
  const warmMin = o.warmupMinutes ?? (o.churnPerHour > 0 ? 60 : 20);
  const measureMin = o.measureMinutes ?? 60;
  const boots = [0, 1, 2].map(() => net.addNode());
  for (const b of boots) net.act(b, (c) => c.setBootstrap(boots.filter((x) => x !== b).map((x) => x.address)));
  for (const b of boots) net.act(b, (c) => c.bootstrap());
  const live: SimNode[] = [];
  const joinedAt = new Map<SimNode, number>();
  const stable = new Set<SimNode>(boots);
  let joined = 0;
  let departed = 0;
  const join = (): SimNode => {
    const b = boots[Math.floor(net.random() * boots.length)] as SimNode;
    const n = net.addNode({ bootstrap: [b.address] });
    net.act(n, (c) => c.bootstrap());
    live.push(n);
    joinedAt.set(n, net.now);
    joined++;
    return n;
  };
  // Build: nodes join evenly over joinMin minutes.
  const gap = (joinMin * MIN) / o.nodes;
  for (let i = 0; i < o.nodes; i++) net.at(i * gap, join);
  // Churn: Poisson departures at churnPerHour * N per hour, each replaced by a newcomer.
  const churnStart = joinMin * MIN;
  const end = (joinMin + warmMin + measureMin + 5) * MIN;
  if (o.churnPerHour > 0) {
    const rate = (o.churnPerHour * o.nodes) / (60 * MIN); // per ms
    let t = churnStart;
    const schedule = (): void => {
      t += -Math.log(1 - net.random()) / rate;
      if (t < end) net.at(t, churn);
    };
    const churn = (): void => {
      for (let tries = 0; tries < 20; tries++) {
        const i = Math.floor(net.random() * live.length);
        const victim = live[i] as SimNode;
        if (stable.has(victim)) continue;
        live[i] = live[live.length - 1] as SimNode;
        live.pop();
        net.kill(victim);
        departed++;
        break;
      }
      join();
      schedule();
    };
    schedule();
  }
  // Announcers: stable nodes (they are the peers being looked for), re-announcing every 15 min.
  const infoHashes: Uint8Array[] = [];
  const storedCounts: number[] = [];
  const announceAt = (joinMin + warmMin - 10) * MIN;
  net.at(announceAt, () => {
    for (let i = 0; i < o.infoHashes; i++) {
      const who = live[Math.floor(net.random() * live.length)] as SimNode;
      stable.add(who);
      const ih = net.randomBytes(20);
      infoHashes.push(ih);
      const again = (): void => {
        if (!who.alive) return;
        net.act(who, (c) => announce(c, ih, { port: 6881, onDone: (r) => storedCounts.push(r.stored) }));
        if (net.now + 15 * MIN < end) net.at(net.now + 15 * MIN, again);
      };
      net.at(announceAt + net.random() * MIN, again);
    }
  });
  // Measured lookups from random nodes that have been up for at least a minute.
  const samples: LookupSample[] = [];
  const active = new Set<Lookup>();
  const measureStart = (joinMin + warmMin) * MIN;
  for (let i = 0; i < o.lookups; i++) {
    net.at(measureStart + (i * measureMin * MIN) / o.lookups, () => {
      let who: SimNode | undefined;
      for (let tries = 0; tries < 50 && !who; tries++) {
        const c = live[Math.floor(net.random() * live.length)] as SimNode;
        if (net.now - (joinedAt.get(c) ?? 0) >= MIN) who = c;
      }
      if (!who) return;
      const ih = infoHashes[Math.floor(net.random() * infoHashes.length)] as Uint8Array;
      const t0 = net.now;
      let firstPeerMs: number | undefined;
      let firstPeerRound: number | undefined;
      net.act(who, (c) =>
        getPeers(c, ih, {
          onReply: (cand: Candidate, body) => {
            if (firstPeerMs === undefined && body.values && body.values.length > 0) {
              firstPeerMs = net.now - t0;
              firstPeerRound = cand.round;
            }
          },
          onDone: (r) => {
            const l = r.lookups[0]?.lookup;
            if (l) active.delete(l);
            samples.push({
              ok: r.peers.length > 0,
              rounds: l?.maxRound ?? 0,
              firstPeerRound,
              latencyMs: net.now - t0,
              firstPeerMs,
              queries: l?.queriesSent ?? 0,
              slowOrFailed: l ? l.counts().slow + l.counts().failed : 0,
            });
          },
        }),
      );
      const lookup = who.core.runningLookups().at(-1);
      if (lookup) active.add(lookup);
    });
  }
  let idle = 0;
  let lastLog = 0;
  net.run(end, () => {
    for (const l of active) if (l.idleWithWork()) idle++;
    if (net.now - lastLog >= 10 * MIN) {
      lastLog = net.now;
      const heap = process.memoryUsage().heapUsed / 2 ** 20;
      log(
        `  t=${Math.round(net.now / MIN)} min: ${live.length} nodes, ${samples.length} lookups measured, ${net.stats.datagrams} datagrams, ` +
          `${net.stats.events} events, heap ${heap.toFixed(0)} MiB, ${((Date.now() - started) / 1000).toFixed(0)} s`,
      );
    }
    return false;
  });
  // Mean RTT of the latency model over random pairs of live nodes (jitter averages half its range).
  let rttSum = 0;
  const pairs = 20_000;
  for (let i = 0; i < pairs; i++) {
    const a = live[Math.floor(net.random() * live.length)] as SimNode;
    const b = live[Math.floor(net.random() * live.length)] as SimNode;
    rttSum += 2 * (a.accessDelayMs + b.accessDelayMs) + 5;
  }
  return {
    options: o,
    samples,
    idleWithWork: idle,
    meanRttMs: rttSum / pairs,
    table: tableHealth(net, [...boots, ...live]),
    announces: { count: storedCounts.length, meanStored: storedCounts.reduce((a, b) => a + b, 0) / Math.max(1, storedCounts.length) },
    datagrams: net.stats.datagrams,
    lost: net.stats.lost,
    toDead: net.stats.toDead,
    departed,
    joined,
    events: net.stats.events,
    heapMiB: process.memoryUsage().heapUsed / 2 ** 20,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    wallMs: Date.now() - started,
    virtualMinutes: end / MIN,
  };
}

function tableHealth(net: SimNetwork, live: SimNode[]): TableHealth {
  const alive = new Set(live.filter((n) => n.alive).map((n) => `${n.address.host}|${n.address.port}`));
  let nodes = 0;
  let good = 0;
  let dead = 0;
  let buckets = 0;
  const sample = live.slice(0, 1000);
  for (const n of sample) {
    const t = n.core.table(4);
    if (!t) continue;
    const st = t.stats(net.now);
    nodes += st.nodes;
    buckets += st.buckets;
    good += st.nodes ? st.good / st.nodes : 0;
    const all = t.all();
    dead += all.length ? all.filter((x) => !alive.has(`${x.host}|${x.port}`)).length / all.length : 0;
  }
  const k = Math.max(1, sample.length);
  return { meanNodes: nodes / k, meanGoodFraction: good / k, meanDeadFraction: dead / k, meanBuckets: buckets / k };
}

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}
