// The DHT node as a pure state machine (BEP 5, with BEP 32, 42, 43, 44, 51): datagrams and the
// clock go in (receive, tick), datagrams come out (takeOutgoing / takeDatagrams) and the next
// deadline is reported (nextDeadline). No sockets, timers or wall clock: the UDP adapter
// (node.ts) and the simulator (sim/dht) drive exactly this code. Operations (runLookup,
// queryNode, bootstrap) use the time of the last input: drivers call tick(now) just before them.
//
// It answers queries (server.ts), keeps one routing table per address family, runs iterative
// lookups (lookup.ts) over RpcEngine transactions, refreshes buckets unchanged for 15 minutes,
// re-bootstraps an empty table with back-off, rate-limits queries per source IP, votes on our
// external IP from BEP 42 `ip` fields and, unless the id was fixed, re-derives a BEP 42 id.
import {
  decodeKrpc,
  familyOf,
  ipBytes,
  KrpcError,
  KrpcErrorCodes,
  type Family,
  type KrpcAddress,
  type KrpcErrorMessage,
  type KrpcMessage,
  type KrpcQuery,
  type KrpcResponse,
  type NodeContact,
  type ResponseBody,
} from '../../krpc/index.js';
import { isCompliantNode, isLocalIp, isSecureNodeId, secureNodeId } from './bep42.js';
import { ItemStore, type ItemStoreOptions } from './item-store.js';
import { Lookup, type Candidate } from './lookup.js';
import { idEquals, type RandomBytes } from './node-id.js';
import { PeerStore, type PeerStoreOptions } from './peer-store.js';
import { RateLimiter, type RateLimit } from './rate-limiter.js';
import { RoutingTable, type TableStats } from './routing-table.js';
import { RpcEngine, type Outgoing, type QueryArgs, type QueryHandlers } from './rpc.js';
import { answerQuery, type ServerContext } from './server.js';
import { TokenManager } from './tokens.js';

export interface DhtCoreOptions {
  /** Start time (ms, any epoch: only differences matter). */
  readonly now: number;
  /** Uniform [0, 1) source for choices. */
  readonly random: () => number;
  readonly randomBytes: RandomBytes;
  /** Fixed node id; by default random, or BEP 42-derived from `externalIp`. */
  readonly id?: Uint8Array | undefined;
  /** With `id`: keep it even if BEP 42 votes say it does not match our IP (default true). */
  readonly keepId?: boolean | undefined;
  /** Our external IP if known: the default id is then BEP 42-compliant for it. */
  readonly externalIp?: string | undefined;
  /** Address families to run (default [4]). */
  readonly families?: readonly Family[] | undefined;
  /** Bootstrap addresses (IP literals; the adapter resolves names). */
  readonly bootstrap?: readonly KrpcAddress[] | undefined;
  readonly k?: number | undefined;
  readonly alpha?: number | undefined;
  /** BEP 43: never answer queries, and say so in ours. */
  readonly readOnly?: boolean | undefined;
  /** BEP 42 enforcement: non-compliant nodes neither enter tables nor count as storage targets. */
  readonly enforceNodeId?: boolean | undefined;
  /** Queries per second per source IP (default 20/s, burst 60); false disables. */
  readonly rateLimit?: RateLimit | false | undefined;
  readonly peerStore?: PeerStoreOptions | undefined;
  readonly itemStore?: ItemStoreOptions | undefined;
  readonly queryTimeoutMs?: number | undefined;
  readonly minSlowMs?: number | undefined;
  readonly maxSlowMs?: number | undefined;
  /** Bucket refresh age (default 15 minutes). */
  readonly refreshMs?: number | undefined;
  /** Our `v` field (default "SH" 0.1). */
  readonly version?: Uint8Array | undefined;
  readonly hooks?: DhtCoreHooks | undefined;
}

export interface DhtCoreHooks {
  /** A family's first bootstrap lookup finished with a non-empty table. */
  onReady?(family: Family): void;
  /** Our id changed (BEP 42, after an external-IP vote). */
  onIdChange?(id: Uint8Array, externalIp: string): void;
}

export type LookupKind = 'find_node' | 'get_peers' | 'get';

export interface LookupSpec {
  readonly kind: LookupKind;
  readonly target: Uint8Array;
  readonly family: Family;
  /** BEP 44 get: only values newer than this. */
  readonly seq?: number | undefined;
  /** Extra starting addresses without known ids (bootstrap). */
  readonly seeds?: readonly KrpcAddress[] | undefined;
  onReply?(c: Candidate, body: ResponseBody): void;
  onDone(r: LookupResult): void;
}

export interface LookupResult {
  readonly kind: LookupKind;
  readonly family: Family;
  readonly lookup: Lookup;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly aborted: boolean;
}

export interface LookupHandle {
  readonly lookup: Lookup;
  stop(): void;
}

const MAINTENANCE_MS = 5_000;
const VERIFY_CONCURRENCY = 4;
const REFRESH_CONCURRENCY = 2;
const VERIFY_QUEUE_MAX = 64;
/** Delays of the self-lookups that follow a successful bootstrap. */
const SELF_LOOKUP_FOLLOW_UPS = [10_000, 60_000, 300_000];
const EXPIRE_MS = 60_000;
const DEFAULT_VERSION = Uint8Array.of(0x53, 0x48, 0, 1);

export class DhtCore {
  private idValue: Uint8Array;
  private readonly idFixed: boolean;
  readonly families: readonly Family[];
  private tables = new Map<Family, RoutingTable>();
  readonly rpc: RpcEngine;
  readonly peers: PeerStore;
  readonly items: ItemStore;
  private readonly tokens: TokenManager;
  private readonly limiter: RateLimiter | undefined;
  private readonly server: ServerContext;
  private readonly opts: DhtCoreOptions;
  private bootstrapAddrs: KrpcAddress[];
  private readonly boot = new Map<Family, { running: boolean; ready: boolean; attempts: number; nextAt: number; followUps: number }>();
  private readonly running = new Set<{ lookup: Lookup; stop(): void }>();
  private closed = false;
  private readonly pinging = new Set<string>();
  /** Hinted nodes waiting for a verification ping (bounded). */
  private verifyQueue: NodeContact[] = [];
  private refreshRunning = 0;
  private refreshQueue: { family: Family; index: number }[] = [];
  private nextMaintenance: number;
  private nextExpire: number;
  private ipVotes = new Map<string, Set<string>>();
  private votesSeen = 0;
  externalIp: string | undefined;
  now: number;
  readonly k: number;
  readonly stats = { received: 0, malformed: 0, queriesReceived: 0, rateLimited: 0, repliesSent: 0, errorsSent: 0, idChanges: 0 };

  constructor(opts: DhtCoreOptions) {
    this.opts = opts;
    this.now = opts.now;
    this.k = opts.k ?? 8;
    this.families = opts.families ?? [4];
    this.externalIp = opts.externalIp;
    const extIp = opts.externalIp === undefined ? undefined : ipBytes(opts.externalIp);
    this.idFixed = opts.id !== undefined && (opts.keepId ?? true);
    this.idValue = opts.id ?? (extIp && !isLocalIp(extIp) ? secureNodeId(extIp, opts.randomBytes) : opts.randomBytes(20).slice(0, 20));
    this.bootstrapAddrs = [...(opts.bootstrap ?? [])];
    this.rpc = new RpcEngine({
      randomBytes: opts.randomBytes,
      version: opts.version ?? DEFAULT_VERSION,
      readOnly: opts.readOnly,
      queryTimeoutMs: opts.queryTimeoutMs,
      minSlowMs: opts.minSlowMs,
      maxSlowMs: opts.maxSlowMs,
    });
    this.peers = new PeerStore(opts.peerStore);
    this.items = new ItemStore(opts.itemStore);
    this.tokens = new TokenManager(opts.randomBytes, opts.now);
    this.limiter = opts.rateLimit === false ? undefined : new RateLimiter(opts.rateLimit ?? { perSecond: 20, burst: 60 });
    for (const f of this.families) {
      this.tables.set(f, this.newTable(this.idValue));
      this.boot.set(f, { running: false, ready: false, attempts: 0, nextAt: opts.now, followUps: 0 });
    }
    const self = this; // eslint-disable-line @typescript-eslint/no-this-alias
    this.server = {
      get ownId() {
        return self.idValue;
      },
      families: this.families,
      closest: (f, target, n) => this.tables.get(f)?.closest(target, n) ?? [],
      tokens: this.tokens,
      peers: this.peers,
      items: this.items,
      random: opts.random,
      sampleIntervalSec: 300,
    };
    this.nextMaintenance = opts.now;
    this.nextExpire = opts.now + EXPIRE_MS;
  }

  get id(): Uint8Array {
    return this.idValue;
  }

  private newTable(id: Uint8Array): RoutingTable {
    return new RoutingTable(id, this.now, {
      k: this.k,
      staleAfterMs: this.opts.refreshMs,
      isCompliant: isCompliantNode,
      enforceCompliance: this.opts.enforceNodeId,
    });
  }

  table(family: Family): RoutingTable | undefined {
    return this.tables.get(family);
  }

  tableStats(family: Family): TableStats | undefined {
    return this.tables.get(family)?.stats(this.now);
  }

  get enforcesNodeId(): boolean {
    return this.opts.enforceNodeId ?? false;
  }

  isReady(family: Family): boolean {
    return this.boot.get(family)?.ready ?? false;
  }

  /** Lookups in progress (for checks and statistics). */
  runningLookups(): Lookup[] {
    return [...this.running].map((r) => r.lookup);
  }

  setBootstrap(addrs: readonly KrpcAddress[]): void {
    this.bootstrapAddrs = [...addrs];
  }

  // ---- I/O surface -------------------------------------------------------------------------

  /** One datagram from `from`. Never throws on bad input. */
  receive(data: Uint8Array, from: KrpcAddress, now: number): void {
    let m: KrpcMessage;
    try {
      m = decodeKrpc(data);
    } catch (e) {
      this.advance(now);
      this.stats.received++;
      this.stats.malformed++;
      if (e instanceof KrpcError && e.messageType === 'q' && e.transactionId !== undefined && !this.opts.readOnly && this.allow(from)) {
        this.replyError(from, e.transactionId, KrpcErrorCodes.protocol, 'malformed query');
      }
      return;
    }
    this.receiveMessage(m, from, now);
  }

  /** One decoded message (the simulator may skip the codec). */
  receiveMessage(m: KrpcMessage, from: KrpcAddress, now: number): void {
    this.advance(now);
    if (this.closed) return;
    this.stats.received++;
    if (from.port === 0) return;
    if (m.y === 'q') this.handleQuery(m, from);
    else this.handleReply(m, from);
  }

  /** Fires due deadlines and maintenance. */
  tick(now: number): void {
    this.advance(now);
  }

  nextDeadline(): number | undefined {
    const t = this.rpc.nextDeadline();
    return t === undefined ? this.nextMaintenance : Math.min(t, this.nextMaintenance);
  }

  takeOutgoing(): Outgoing[] {
    return this.rpc.takeOutgoing();
  }

  takeDatagrams(): { to: KrpcAddress; data: Uint8Array }[] {
    return this.rpc.takeDatagrams();
  }

  private advance(now: number): void {
    if (now > this.now) this.now = now;
    if (this.closed) return;
    this.rpc.tick(this.now);
    if (this.now >= this.nextMaintenance) {
      this.nextMaintenance = this.now + MAINTENANCE_MS;
      this.maintain();
    }
  }

  // ---- serving -----------------------------------------------------------------------------

  private allow(from: KrpcAddress): boolean {
    if (!this.limiter || this.limiter.allow(from.host, this.now)) return true;
    this.stats.rateLimited++;
    return false;
  }

  private replyError(to: KrpcAddress, t: Uint8Array, code: number, message: string): void {
    this.stats.errorsSent++;
    this.rpc.send(to, { y: 'e', t, code, message, ip: to, v: this.opts.version ?? DEFAULT_VERSION });
  }

  private handleQuery(q: KrpcQuery, from: KrpcAddress): void {
    this.stats.queriesReceived++;
    if (this.opts.readOnly) return; // BEP 43
    if (idEquals(q.id, this.idValue)) return;
    if (!this.allow(from)) return;
    if (!q.ro) this.heard({ id: q.id, host: from.host, port: from.port }, 'query');
    const a = answerQuery(this.server, q, from, this.now);
    if (a.kind === 'error') this.replyError(from, q.t, a.code, a.message);
    else {
      this.stats.repliesSent++;
      this.rpc.send(from, { y: 'r', t: q.t, r: a.body, ip: from, v: this.opts.version ?? DEFAULT_VERSION });
    }
  }

  private handleReply(m: KrpcResponse | KrpcErrorMessage, from: KrpcAddress): void {
    if (m.y === 'r' && idEquals(m.r.id, this.idValue)) return; // talking to ourselves
    if (!this.rpc.receiveReply(m, from, this.now)) return;
    if (m.ip !== undefined) this.voteExternalIp(m.ip.host, from.host);
  }

  private heard(c: NodeContact, how: 'query' | 'response'): void {
    const t = this.tables.get(familyOf(c.host));
    if (!t) return;
    const r = t.update(c, how, this.now);
    if (r.ping) this.pingNode(r.ping);
    // A node that only queried us is not handed to others until it has answered us once.
    else if (how === 'query' && r.outcome === 'added') this.pingNode(c);
  }

  private pingNode(n: NodeContact): void {
    const key = `${n.host}|${n.port}`;
    if (this.pinging.has(key)) return;
    this.pinging.add(key);
    const done = (): void => {
      this.pinging.delete(key);
      this.verifyNext();
    };
    this.queryNode(n, { q: 'ping', id: this.idValue }, { onReply: done, onError: done, onTimeout: done });
  }

  /**
   * A node named in a reply: it takes a free slot as unverified (not handed to others) and is
   * pinged soon, a few at a time, so tables fill quickly without trusting hearsay.
   */
  private heardAbout(c: NodeContact): void {
    const t = this.tables.get(familyOf(c.host));
    if (!t || t.update(c, 'hint', this.now).outcome !== 'added') return;
    if (this.verifyQueue.length < VERIFY_QUEUE_MAX) this.verifyQueue.push(c);
    this.verifyNext();
  }

  private verifyNext(): void {
    while (this.pinging.size < VERIFY_CONCURRENCY && this.verifyQueue.length > 0 && !this.closed) {
      const c = this.verifyQueue.shift() as NodeContact;
      const n = this.tables.get(familyOf(c.host))?.find(c.id);
      if (n && n.lastResponse === -Infinity && n.fails === 0) this.pingNode(n);
    }
  }

  /**
   * Sends a query to a node, keeping the routing table informed: a reply marks it good (and if it
   * answers with another id than expected, the old entry goes), a timeout counts as a failure.
   */
  queryNode(to: KrpcAddress & { id?: Uint8Array | undefined }, args: QueryArgs, h: QueryHandlers): void {
    const expected = to.id;
    if (this.closed) {
      h.onTimeout();
      return;
    }
    this.rpc.query(
      to,
      args,
      {
        onReply: (r, rtt) => {
          if (expected !== undefined && !idEquals(expected, r.r.id)) this.tables.get(familyOf(to.host))?.remove(expected);
          this.heard({ id: r.r.id, host: to.host, port: to.port }, 'response');
          h.onReply(r, rtt);
        },
        onError: (e) => h.onError(e),
        onSlow: h.onSlow,
        onTimeout: () => {
          if (expected !== undefined) this.tables.get(familyOf(to.host))?.failed(expected, this.now);
          h.onTimeout();
        },
      },
      this.now,
    );
  }

  // ---- BEP 42 external IP -------------------------------------------------------------------

  private voteExternalIp(ip: string, reporter: string): void {
    if (++this.votesSeen > 200) {
      this.ipVotes = new Map();
      this.votesSeen = 0;
    }
    let voters = this.ipVotes.get(ip);
    if (!voters) {
      if (this.ipVotes.size > 20) return;
      voters = new Set();
      this.ipVotes.set(ip, voters);
    }
    voters.add(reporter);
    if (voters.size < 3 || ip === this.externalIp) return;
    this.externalIp = ip;
    const bytes = ipBytes(ip);
    if (this.idFixed || !bytes || isLocalIp(bytes) || isSecureNodeId(this.idValue, bytes) || this.stats.idChanges >= 3) return;
    this.changeId(secureNodeId(bytes, this.opts.randomBytes), ip);
  }

  private changeId(id: Uint8Array, ip: string): void {
    this.stats.idChanges++;
    this.idValue = id;
    for (const [f, old] of this.tables) {
      const t = this.newTable(id);
      for (const n of old.all()) {
        t.update(n, 'restored', this.now);
        const m = t.find(n.id);
        if (m) {
          m.lastResponse = n.lastResponse;
          m.lastQuery = n.lastQuery;
          m.fails = n.fails;
        }
      }
      this.tables.set(f, t);
      const b = this.boot.get(f);
      if (b) b.nextAt = this.now;
      if (b) b.ready = false;
    }
    this.opts.hooks?.onIdChange?.(id, ip);
  }

  // ---- lookups --------------------------------------------------------------------------------

  /** Starts an iterative lookup; its result comes through spec.onDone (possibly synchronously). */
  runLookup(spec: LookupSpec): LookupHandle {
    const table = this.tables.get(spec.family);
    const lookup = new Lookup(spec.target, {
      k: this.k,
      alpha: this.opts.alpha,
      requireCompliant: this.opts.enforceNodeId,
      exclude: this.idValue,
      isCompliant: (c) => isCompliantNode(c.id, c.host),
    });
    const startedAt = this.now;
    let finished = false;
    const finish = (aborted: boolean): void => {
      if (finished) return;
      finished = true;
      this.running.delete(entry);
      spec.onDone({ kind: spec.kind, family: spec.family, lookup, startedAt, endedAt: this.now, aborted });
    };
    const entry = {
      lookup,
      stop: (): void => {
        lookup.stop();
        finish(true);
      },
    };
    if (this.closed) {
      lookup.stop();
      finish(true);
      return entry;
    }
    const usable = (c: NodeContact): boolean => c.port !== 0 && familyOf(c.host) === spec.family && c.host !== '0.0.0.0' && c.host !== '::';
    const pump = (): void => {
      if (finished) return;
      for (const c of lookup.next()) {
        const args: QueryArgs =
          spec.kind === 'find_node'
            ? { q: 'find_node', id: this.idValue, target: spec.target }
            : spec.kind === 'get_peers'
              ? { q: 'get_peers', id: this.idValue, infoHash: spec.target }
              : { q: 'get', id: this.idValue, target: spec.target, seq: spec.seq };
        this.queryNode(c, args, {
          onReply: (r) => {
            if (finished) return;
            c.token = r.r.token;
            spec.onReply?.(c, r.r);
            const nodes = ((spec.family === 4 ? r.r.nodes : r.r.nodes6) ?? []).filter(usable);
            for (const n of nodes) this.heardAbout(n);
            lookup.responded(c, r.r.id, nodes);
            pump();
          },
          onError: () => {
            lookup.failed(c);
            pump();
          },
          // Bootstrap addresses get their full timeout: there may be nothing else to try.
          onSlow:
            c.id === undefined
              ? undefined
              : () => {
                  lookup.slow(c);
                  pump();
                },
          onTimeout: () => {
            lookup.failed(c);
            pump();
          },
        });
      }
      if (lookup.done) finish(false);
    };
    this.running.add(entry);
    if (table) lookup.add(table.closest(spec.target, this.k * 2, { includeUnverified: true }));
    if (spec.seeds) lookup.add(spec.seeds.filter((s) => familyOf(s.host) === spec.family));
    pump();
    return entry;
  }

  /** Joins the DHT: a lookup for our own id from the table and the bootstrap addresses. */
  bootstrap(family?: Family): void {
    if (this.closed) return;
    for (const f of family === undefined ? this.families : [family]) {
      const b = this.boot.get(f);
      if (!b || b.running) continue;
      b.running = true;
      b.attempts++;
      this.runLookup({
        kind: 'find_node',
        target: this.idValue,
        family: f,
        seeds: this.bootstrapAddrs,
        onDone: () => {
          b.running = false;
          const size = this.tables.get(f)?.size ?? 0;
          if (size === 0) {
            this.schedule(b, Math.min(300_000, 1000 * 2 ** Math.min(8, b.attempts - 1)));
            return;
          }
          if (b.ready) this.fillBuckets(f);
          else {
            b.ready = true;
            b.followUps = 0;
            this.fillBuckets(f);
            this.opts.hooks?.onReady?.(f);
          }
          if (size < this.k) {
            // Joined together with others that nobody knew yet: look again soon.
            this.schedule(b, Math.min(60_000, 1000 * 2 ** Math.min(6, b.attempts - 1)));
            return;
          }
          b.attempts = 0;
          this.schedule(b, SELF_LOOKUP_FOLLOW_UPS[b.followUps] ?? Infinity);
          b.followUps++;
        },
      });
    }
  }

  // ---- maintenance --------------------------------------------------------------------------

  private schedule(b: { nextAt: number }, delay: number): void {
    b.nextAt = this.now + delay;
    if (b.nextAt < this.nextMaintenance) this.nextMaintenance = b.nextAt;
  }

  private maintain(): void {
    if (this.now >= this.nextExpire) {
      this.nextExpire = this.now + EXPIRE_MS;
      this.peers.expire(this.now);
      this.items.expire(this.now);
      this.limiter?.sweep(this.now);
    }
    this.verifyNext();
    for (const [f, t] of this.tables) {
      const b = this.boot.get(f);
      if (!b) continue;
      if (!b.ready || t.size === 0) {
        if (!b.running && this.now >= b.nextAt && (t.size > 0 || this.bootstrapAddrs.length > 0)) this.bootstrap(f);
        continue;
      }
      // Nodes that joined at about the same time do not know each other yet: look for our own
      // neighbourhood again a few times before the 15-minute bucket refresh takes over.
      if (!b.running && this.now >= b.nextAt) this.bootstrap(f);
      this.refresh(f, t);
    }
  }

  /**
   * After joining, look up a random id in every bucket that is not full (Kademlia's join): a
   * self-lookup only meets nodes near our own id, and far buckets left empty make lookups for
   * far targets stall in our neighbourhood.
   */
  private fillBuckets(f: Family): void {
    const t = this.tables.get(f);
    if (!t) return;
    const sizes = t.bucketSizes();
    for (let i = 0; i < sizes.length - 1; i++) {
      if ((sizes[i] as number) >= this.k || this.refreshQueue.some((r) => r.family === f && r.index === i)) continue;
      this.refreshQueue.push({ family: f, index: i });
    }
    this.pumpRefresh();
  }

  /** BEP 5 bucket refresh: a find_node lookup for a random id in each bucket unchanged for 15 min. */
  private refresh(f: Family, t: RoutingTable): void {
    for (const i of t.staleBuckets(this.now)) {
      if (this.refreshQueue.some((r) => r.family === f && r.index === i)) continue;
      this.refreshQueue.push({ family: f, index: i });
    }
    this.pumpRefresh();
  }

  private pumpRefresh(): void {
    while (this.refreshRunning < REFRESH_CONCURRENCY && this.refreshQueue.length > 0 && !this.closed) {
      const { family, index } = this.refreshQueue.shift() as { family: Family; index: number };
      const t = this.tables.get(family);
      if (!t || index >= t.bucketCount) continue;
      t.markRefreshed(index, this.now);
      const q = t.questionableIn(index, this.now);
      if (q) this.pingNode(q);
      this.refreshRunning++;
      this.runLookup({
        kind: 'find_node',
        target: t.randomIdInBucket(index, this.opts.randomBytes),
        family,
        onDone: () => {
          this.refreshRunning--;
          this.pumpRefresh();
        },
      });
    }
  }

  // ---- state ----------------------------------------------------------------------------------

  /** Nodes worth saving: those that have answered us and are not bad. */
  exportNodes(): NodeContact[] {
    const out: NodeContact[] = [];
    for (const t of this.tables.values()) {
      for (const n of t.all()) {
        if (n.lastResponse > -Infinity && t.state(n, this.now) !== 'bad') out.push({ id: n.id, host: n.host, port: n.port });
      }
    }
    return out;
  }

  /** Loads saved nodes as unverified entries; the next bootstrap lookup checks them. */
  importNodes(nodes: readonly NodeContact[]): void {
    for (const n of nodes) this.tables.get(familyOf(n.host))?.update(n, 'restored', this.now);
  }

  /** Fails every open query and stops every lookup (shutdown). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const r of [...this.running]) r.stop();
    this.rpc.cancelAll();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
