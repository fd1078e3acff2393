// Keeping a DHT node joined and its routing tables fresh (BEP 5), per address family:
// - bootstrap: a lookup for our own id from the table and the bootstrap addresses; an empty table
//   retries with back-off (1 s doubling to 5 min), a table still short of k nodes retries sooner;
// - join (Kademlia): after each bootstrap lookup, a lookup for a random id in every bucket that is
//   not full, since a self-lookup only meets nodes near our own id;
// - follow-up self-lookups 10 s, 1 min and 5 min after joining, so nodes that joined together
//   learn of each other before the 15-minute refresh takes over;
// - refresh: a find_node lookup for a random id in every bucket unchanged for 15 minutes, with a
//   ping of its least recently seen questionable node;
// - verification: nodes only named in replies get a free table slot as unverified and a ping,
//   a few at a time.
// Pure: driven by the core's clock through tick().
import type { Family, KrpcAddress, NodeContact } from '../../krpc/index.js';
import type { LookupHandle, LookupSpec } from './core.js';
import type { RandomBytes } from './node-id.js';
import type { QueryArgs, QueryHandlers } from './rpc.js';
import type { RoutingTable } from './routing-table.js';

/** What maintenance needs from the core. */
export interface MaintainedCore {
  readonly now: number;
  readonly id: Uint8Array;
  readonly k: number;
  readonly isClosed: boolean;
  table(family: Family): RoutingTable | undefined;
  runLookup(spec: LookupSpec): LookupHandle;
  queryNode(to: KrpcAddress & { id?: Uint8Array | undefined }, args: QueryArgs, h: QueryHandlers): void;
}

interface BootState {
  running: boolean;
  ready: boolean;
  attempts: number;
  nextAt: number;
  followUps: number;
}

const VERIFY_CONCURRENCY = 4;
const VERIFY_QUEUE_MAX = 64;
const REFRESH_CONCURRENCY = 2;
/** Delays of the self-lookups that follow a successful bootstrap. */
const SELF_LOOKUP_FOLLOW_UPS = [10_000, 60_000, 300_000];

export class Maintenance {
  private readonly boot = new Map<Family, BootState>();
  private readonly pinging = new Set<string>();
  private verifyQueue: NodeContact[] = [];
  private refreshRunning = 0;
  private refreshQueue: { family: Family; index: number }[] = [];
  /** Earliest time tick() has something scheduled (bootstrap retries and follow-ups). */
  wakeAt = Infinity;

  constructor(
    private readonly core: MaintainedCore,
    families: readonly Family[],
    private bootstrapAddrs: KrpcAddress[],
    private readonly randomBytes: RandomBytes,
    private readonly onReady: (f: Family) => void,
  ) {
    for (const f of families) this.boot.set(f, { running: false, ready: false, attempts: 0, nextAt: core.now, followUps: 0 });
  }

  setBootstrap(addrs: readonly KrpcAddress[]): void {
    this.bootstrapAddrs = [...addrs];
  }

  isReady(f: Family): boolean {
    return this.boot.get(f)?.ready ?? false;
  }

  /** Our id changed: every family joins again. */
  rejoin(): void {
    for (const b of this.boot.values()) {
      b.ready = false;
      b.nextAt = this.core.now;
    }
    this.wakeAt = this.core.now;
  }

  private schedule(b: BootState, delay: number): void {
    b.nextAt = this.core.now + delay;
    if (b.nextAt < this.wakeAt) this.wakeAt = b.nextAt;
  }

  /** Joins the DHT: a lookup for our own id from the table and the bootstrap addresses. */
  bootstrap(family?: Family): void {
    if (this.core.isClosed) return;
    for (const [f, b] of this.boot) {
      if ((family !== undefined && f !== family) || b.running) continue;
      b.running = true;
      b.attempts++;
      this.core.runLookup({
        kind: 'find_node',
        target: this.core.id,
        family: f,
        seeds: this.bootstrapAddrs,
        onDone: () => this.bootstrapDone(f, b),
      });
    }
  }

  private bootstrapDone(f: Family, b: BootState): void {
    b.running = false;
    const size = this.core.table(f)?.size ?? 0;
    if (size === 0) return this.schedule(b, Math.min(300_000, 1000 * 2 ** Math.min(8, b.attempts - 1)));
    this.fillBuckets(f);
    if (!b.ready) {
      b.ready = true;
      b.followUps = 0;
      this.onReady(f);
    }
    // Joined together with others that nobody knew yet: look again soon.
    if (size < this.core.k) return this.schedule(b, Math.min(60_000, 1000 * 2 ** Math.min(6, b.attempts - 1)));
    b.attempts = 0;
    this.schedule(b, SELF_LOOKUP_FOLLOW_UPS[b.followUps] ?? Infinity);
    b.followUps++;
  }

  /** Periodic work; the core calls it every few seconds and at wakeAt. */
  tick(): void {
    const now = this.core.now;
    this.wakeAt = Infinity;
    this.verifyNext();
    for (const [f, b] of this.boot) {
      const t = this.core.table(f);
      if (!t) continue;
      if (!b.running && now >= b.nextAt && (b.ready || t.size > 0 || this.bootstrapAddrs.length > 0)) this.bootstrap(f);
      else if (!b.running && b.nextAt > now && b.nextAt < this.wakeAt) this.wakeAt = b.nextAt;
      if (b.ready && t.size > 0) this.refresh(f, t);
    }
  }

  /** A lookup for a random id in every bucket short of k nodes (all but the deepest). */
  private fillBuckets(f: Family): void {
    const t = this.core.table(f);
    if (!t) return;
    const sizes = t.bucketSizes();
    for (let i = 0; i < sizes.length - 1; i++) if ((sizes[i] as number) < this.core.k) this.queueRefresh(f, i);
    this.pumpRefresh();
  }

  /** BEP 5 bucket refresh for every bucket unchanged for 15 minutes. */
  private refresh(f: Family, t: RoutingTable): void {
    for (const i of t.staleBuckets(this.core.now)) this.queueRefresh(f, i);
    this.pumpRefresh();
  }

  private queueRefresh(family: Family, index: number): void {
    if (!this.refreshQueue.some((r) => r.family === family && r.index === index)) this.refreshQueue.push({ family, index });
  }

  private pumpRefresh(): void {
    while (this.refreshRunning < REFRESH_CONCURRENCY && this.refreshQueue.length > 0 && !this.core.isClosed) {
      const { family, index } = this.refreshQueue.shift() as { family: Family; index: number };
      const t = this.core.table(family);
      if (!t || index >= t.bucketCount) continue;
      t.markRefreshed(index, this.core.now);
      const q = t.questionableIn(index, this.core.now);
      if (q) this.ping(q);
      this.refreshRunning++;
      this.core.runLookup({
        kind: 'find_node',
        target: t.randomIdInBucket(index, this.randomBytes),
        family,
        onDone: () => {
          this.refreshRunning--;
          this.pumpRefresh();
        },
      });
    }
  }

  /** Pings a node (once at a time per address); the core's query bookkeeping updates the table. */
  ping(n: NodeContact): void {
    const key = `${n.host}|${n.port}`;
    if (this.pinging.has(key)) return;
    this.pinging.add(key);
    const done = (): void => {
      this.pinging.delete(key);
      this.verifyNext();
    };
    this.core.queryNode(n, { q: 'ping', id: this.core.id }, { onReply: done, onError: done, onTimeout: done });
  }

  /** A node another one named: it may take a free slot as unverified; ping it soon. */
  heardAbout(t: RoutingTable, c: NodeContact): void {
    if (t.update(c, 'hint', this.core.now).outcome !== 'added') return;
    if (this.verifyQueue.length < VERIFY_QUEUE_MAX) this.verifyQueue.push(c);
    this.verifyNext();
  }

  private verifyNext(): void {
    while (this.pinging.size < VERIFY_CONCURRENCY && this.verifyQueue.length > 0 && !this.core.isClosed) {
      const c = this.verifyQueue.shift() as NodeContact;
      const n = this.core.table(c.host.includes(':') ? 6 : 4)?.find(c.id);
      if (n && n.lastResponse === -Infinity && n.fails === 0) this.ping(n);
    }
  }
}
