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
} from '../../krpc/index.js';
import { isCompliantNode, isLocalIp, isSecureNodeId, secureNodeId } from './bep42.js';
import type { DhtCoreOptions, LookupHandle, LookupSpec } from './core-types.js';
import { ExternalIpVote } from './ip-vote.js';
import { ItemStore } from './item-store.js';
import { Lookup } from './lookup.js';
import { Maintenance } from './maintenance.js';
import { idEquals } from './node-id.js';
import { PeerStore } from './peer-store.js';
import { RateLimiter } from './rate-limiter.js';
import { RoutingTable, type TableStats } from './routing-table.js';
import { RpcEngine, type Outgoing, type QueryArgs, type QueryHandlers } from './rpc.js';
import { answerQuery, type ServerContext } from './server.js';
import { TokenManager } from './tokens.js';

export type * from './core-types.js';

const MAINTENANCE_MS = 5_000;
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
  private readonly maintenance: Maintenance;
  private readonly running = new Set<{ lookup: Lookup; stop(): void }>();
  private closed = false;
  private nextMaintenance: number;
  private nextExpire: number;
  private readonly ipVote = new ExternalIpVote();
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
    for (const f of this.families) this.tables.set(f, this.newTable(this.idValue));
    this.maintenance = new Maintenance(this, this.families, [...(opts.bootstrap ?? [])], opts.randomBytes, (f) => opts.hooks?.onReady?.(f));
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
    return this.maintenance.isReady(family);
  }

  /** Lookups in progress (for checks and statistics). */
  runningLookups(): Lookup[] {
    return [...this.running].map((r) => r.lookup);
  }

  setBootstrap(addrs: readonly KrpcAddress[]): void {
    this.maintenance.setBootstrap(addrs);
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
    const m = Math.min(this.nextMaintenance, this.maintenance.wakeAt);
    return t === undefined ? m : Math.min(t, m);
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
    if (this.now >= this.nextMaintenance || this.now >= this.maintenance.wakeAt) {
      if (this.now >= this.nextMaintenance) this.nextMaintenance = this.now + MAINTENANCE_MS;
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
    if (r.ping) this.maintenance.ping(r.ping);
    // A node that only queried us is not handed to others until it has answered us once.
    else if (how === 'query' && r.outcome === 'added') this.maintenance.ping(c);
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
    if (this.ipVote.add(ip, reporter) === undefined || ip === this.externalIp) return;
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
    }
    this.maintenance.rejoin();
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
      wantsValues: spec.kind !== 'find_node',
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
            if ((r.r.values !== undefined && r.r.values.length > 0) || r.r.v !== undefined) lookup.foundValues();
            spec.onReply?.(c, r.r);
            const nodes = ((spec.family === 4 ? r.r.nodes : r.r.nodes6) ?? []).filter(usable);
            const t = this.tables.get(spec.family);
            if (t) for (const n of nodes) this.maintenance.heardAbout(t, n);
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
    this.maintenance.bootstrap(family);
  }

  // ---- maintenance --------------------------------------------------------------------------

  private maintain(): void {
    if (this.now >= this.nextExpire) {
      this.nextExpire = this.now + EXPIRE_MS;
      this.peers.expire(this.now);
      this.items.expire(this.now);
      this.limiter?.sweep(this.now);
    }
    this.maintenance.tick();
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
