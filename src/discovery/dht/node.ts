// DhtNode: the DHT on real UDP sockets. A thin adapter: it feeds datagrams and the clock into
// DhtCore, sends what the core queues, keeps one timer armed for the core's next deadline, and
// turns the callback operations into promises and async iterators with AbortSignal support.
// Also: bootstrap name resolution, the state file (loaded at start, saved every 5 minutes and on
// close), and IPv6 (BEP 32) on a second socket when `host6` is given.
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { AbortedError, ShoalError } from '../../errors.js';
import { familyOf, type Family, type KrpcAddress } from '../../krpc/index.js';
import { DEFAULT_BOOTSTRAP, resolveAll } from './bootstrap-list.js';
import type { BValue } from '../../bencode/index.js';
import { DhtCore, type DhtCoreOptions } from './core.js';
import { itemKeyPair, signedBuffer, signItem, encodeValue } from './items.js';
import { toHex } from './node-id.js';
import {
  announce as announceOp,
  getItem as getItemOp,
  getPeers as getPeersOp,
  ping as pingOp,
  putItem as putItemOp,
  sampleInfohashes as sampleOp,
  type FoundItem,
  type SampleResult,
} from './operations.js';
import type { TableStats } from './routing-table.js';
import { loadState, saveState } from './state-file.js';
import { isKrpcDatagram, UdpDemux, type DatagramEndpoint } from './udp-socket.js';

export { DEFAULT_BOOTSTRAP, parseHostPort } from './bootstrap-list.js';

export class DhtError extends ShoalError {}

export interface DhtNodeOptions {
  /** An endpoint to use instead of binding (e.g. a UdpDemux channel shared with uTP); not closed by the node. */
  readonly socket?: DatagramEndpoint | undefined;
  /** Same, for IPv6. */
  readonly socket6?: DatagramEndpoint | undefined;
  /** Address to bind when no socket is given (default 0.0.0.0). */
  readonly host?: string | undefined;
  /** Port to bind (default 0: any). */
  readonly port?: number | undefined;
  /** Also run the IPv6 DHT on this address (BEP 32), same port unless port6 is given. */
  readonly host6?: string | undefined;
  readonly port6?: number | undefined;
  /** "host:port" strings or addresses; default DEFAULT_BOOTSTRAP; [] for none (a first node). */
  readonly bootstrap?: readonly (string | KrpcAddress)[] | undefined;
  /** State file: id and routing table, loaded at start and saved periodically and on close. */
  readonly state?: string | undefined;
  /** Milliseconds clock (default Date.now). */
  readonly clock?: (() => number) | undefined;
  /** Uniform [0,1) source; when given, ids, tokens and transaction ids derive from it (tests). */
  readonly random?: (() => number) | undefined;
  readonly id?: Uint8Array | undefined;
  readonly externalIp?: string | undefined;
  readonly readOnly?: boolean | undefined;
  readonly enforceNodeId?: boolean | undefined;
  readonly rateLimit?: DhtCoreOptions['rateLimit'];
  readonly k?: number | undefined;
  readonly alpha?: number | undefined;
  readonly queryTimeoutMs?: number | undefined;
  readonly saveIntervalMs?: number | undefined;
}

export interface DhtNodeEvents {
  ready: [family: Family];
  warning: [error: Error];
  idChange: [id: Uint8Array, externalIp: string];
}

export interface DhtStats {
  readonly id: string;
  readonly address: KrpcAddress;
  readonly tables: Partial<Record<Family, TableStats>>;
  readonly infoHashes: number;
  readonly items: number;
  readonly core: DhtCore['stats'];
  readonly rpc: DhtCore['rpc']['stats'];
}

export interface AbortOptions {
  readonly signal?: AbortSignal | undefined;
}

function bytesFromRandom(random: () => number): (n: number) => Uint8Array {
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(random() * 256);
    return out;
  };
}

export class DhtNode extends EventEmitter<DhtNodeEvents> {
  readonly core: DhtCore;
  private readonly clock: () => number;
  private readonly endpoints = new Map<Family, DatagramEndpoint>();
  private readonly owned: UdpDemux[] = [];
  private readonly unsubscribe: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerAt: number | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private readonly statePath: string | undefined;
  private readyWaiters: (() => void)[] = [];

  private constructor(core: DhtCore, clock: () => number, statePath: string | undefined) {
    super();
    this.core = core;
    this.clock = clock;
    this.statePath = statePath;
  }

  /** Binds (or adopts) the sockets, loads the state file, resolves bootstrap names and starts joining. */
  static async create(opts: DhtNodeOptions = {}): Promise<DhtNode> {
    const clock = opts.clock ?? Date.now;
    const random = opts.random ?? Math.random;
    const randomBytes = opts.random ? bytesFromRandom(opts.random) : (n: number) => new Uint8Array(cryptoRandomBytes(n));
    const saved = opts.state ? await loadState(opts.state) : undefined;
    const owned: UdpDemux[] = [];
    const endpoints = new Map<Family, DatagramEndpoint>();
    try {
      if (opts.socket) endpoints.set(opts.socket.address().family, opts.socket);
      else {
        const d = await UdpDemux.bind(opts.host ?? '0.0.0.0', opts.port ?? 0);
        owned.push(d);
        endpoints.set(d.address().family, d.channel(isKrpcDatagram));
      }
      if (opts.socket6) endpoints.set(6, opts.socket6);
      else if (opts.host6 !== undefined) {
        const port4 = [...endpoints.values()][0]?.address().port ?? 0;
        const d = await UdpDemux.bind(opts.host6, opts.port6 ?? port4);
        owned.push(d);
        endpoints.set(6, d.channel(isKrpcDatagram));
      }
    } catch (e) {
      await Promise.all(owned.map((d) => d.close()));
      throw e;
    }
    const bootstrap = await resolveAll(opts.bootstrap ?? DEFAULT_BOOTSTRAP);
    const ref: { node?: DhtNode } = {};
    const core = new DhtCore({
      now: clock(),
      random,
      randomBytes,
      id: opts.id ?? saved?.id,
      keepId: opts.id !== undefined,
      externalIp: opts.externalIp,
      families: [...endpoints.keys()].sort(),
      bootstrap,
      k: opts.k,
      alpha: opts.alpha,
      readOnly: opts.readOnly,
      enforceNodeId: opts.enforceNodeId,
      rateLimit: opts.rateLimit,
      queryTimeoutMs: opts.queryTimeoutMs,
      hooks: {
        onReady: (f) => ref.node?.onReady(f),
        onIdChange: (id, ip) => ref.node?.emit('idChange', id, ip),
      },
    });
    const node = new DhtNode(core, clock, opts.state);
    ref.node = node;
    node.owned.push(...owned);
    for (const [f, ep] of endpoints) {
      node.endpoints.set(f, ep);
      const n = node;
      node.unsubscribe.push(ep.onMessage((data, from) => n.input((now) => core.receive(data, from, now))));
    }
    if (saved) core.importNodes(saved.nodes);
    node.input(() => core.bootstrap());
    if (opts.state) {
      const n = node;
      n.saveTimer = setInterval(() => void n.saveState().catch((e: unknown) => n.warn(e)), opts.saveIntervalMs ?? 5 * 60_000);
      n.saveTimer.unref();
    }
    return node;
  }

  get id(): Uint8Array {
    return this.core.id;
  }

  /** The IPv4 endpoint's address if any, else the IPv6 one. */
  address(): KrpcAddress {
    const ep = this.endpoints.get(4) ?? (this.endpoints.get(6) as DatagramEndpoint);
    const a = ep.address();
    return { host: a.host, port: a.port };
  }

  private warn(e: unknown): void {
    this.emit('warning', e instanceof Error ? e : new Error(String(e)));
  }

  private onReady(f: Family): void {
    this.emit('ready', f);
    const w = this.readyWaiters;
    this.readyWaiters = [];
    for (const r of w) r();
  }

  /** Runs one input against the core, then sends its output and re-arms the timer. */
  private input<T>(fn: (now: number) => T): T {
    const now = this.clock();
    // Operations read the core's clock: bring it up to date first.
    this.core.tick(now);
    const r = fn(now);
    this.flush();
    return r;
  }

  private flush(): void {
    for (const d of this.core.takeDatagrams()) {
      const ep = this.endpoints.get(familyOf(d.to.host));
      ep?.send(d.data, d.to);
    }
    if (this.closing) return;
    const at = this.core.nextDeadline();
    if (at === undefined || at === this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = undefined;
      this.input((now) => this.core.tick(now));
    }, Math.max(0, at - this.clock()));
    this.timer.unref();
  }

  /**
   * Resolves once a bootstrap lookup has filled a routing table (at once if already so): any
   * family's, or the given family's.
   */
  ready(opts: AbortOptions & { family?: Family } = {}): Promise<void> {
    const isReady = (): boolean =>
      opts.family === undefined ? this.core.families.some((f) => this.core.isReady(f)) : this.core.isReady(opts.family);
    if (isReady()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(new AbortedError('waiting for the DHT to bootstrap was aborted'));
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const waiter = (): void => {
        if (!isReady()) return void this.readyWaiters.push(waiter);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.readyWaiters.push(waiter);
    });
  }

  /** Peers for an info hash, yielded as they are found; ends when the lookups finish. */
  async *getPeers(infoHash: Uint8Array, opts: AbortOptions = {}): AsyncGenerator<KrpcAddress> {
    const queue: KrpcAddress[] = [];
    let done = false;
    let wake: (() => void) | undefined;
    const notify = (): void => {
      wake?.();
      wake = undefined;
    };
    const h = this.input(() => getPeersOp(this.core, infoHash, {
      onPeer: (p) => {
        queue.push(p);
        notify();
      },
      onDone: () => {
        done = true;
        notify();
      },
    }));
    const onAbort = (): void => {
      this.input(() => h.stop());
      done = true;
      notify();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (opts.signal?.aborted) throw new AbortedError('DHT get_peers aborted');
        const p = queue.shift();
        if (p) {
          yield p;
          continue;
        }
        if (done) return;
        await new Promise<void>((r) => (wake = r));
      }
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      if (!done) this.input(() => h.stop());
    }
  }

  /** All peers found by one get_peers lookup. */
  async findPeers(infoHash: Uint8Array, opts: AbortOptions = {}): Promise<KrpcAddress[]> {
    const out: KrpcAddress[] = [];
    for await (const p of this.getPeers(infoHash, opts)) out.push(p);
    return out;
  }

  /**
   * Announces that we have peers for `infoHash` on `port` (undefined: our DHT port, implied_port),
   * to the 8 closest nodes that gave a write token. Resolves with the peers seen on the way.
   */
  announce(infoHash: Uint8Array, port?: number, opts: AbortOptions & { seed?: boolean } = {}): Promise<{ peers: KrpcAddress[]; stored: number; asked: number }> {
    return this.operation(opts.signal, 'DHT announce aborted', (resolve) =>
      announceOp(this.core, infoHash, { port, seed: opts.seed, onDone: (r) => resolve({ peers: r.peers, stored: r.stored, asked: r.asked }) }),
    );
  }

  /** Pings an address; resolves with its node id, or undefined if it did not answer. */
  ping(to: KrpcAddress, opts: AbortOptions = {}): Promise<Uint8Array | undefined> {
    return this.operation(opts.signal, 'DHT ping aborted', (resolve) => {
      pingOp(this.core, to, resolve);
      return { stop: () => undefined };
    });
  }

  /** Tells the node about another one (e.g. from a BEP 5 PORT message): pinged, added if it answers. */
  addNode(to: KrpcAddress): void {
    this.input(() => pingOp(this.core, to, () => undefined));
  }

  /** BEP 51: a sample of the info hashes one node stores. */
  sampleInfohashes(to: KrpcAddress, target: Uint8Array, opts: AbortOptions = {}): Promise<SampleResult | undefined> {
    return this.operation(opts.signal, 'DHT sample_infohashes aborted', (resolve) => {
      sampleOp(this.core, to, target, (r) => resolve(r === undefined || 'code' in r ? undefined : r));
      return { stop: () => undefined };
    });
  }

  /** BEP 44 get. For a mutable item pass its public key and salt so the answer can be verified. */
  getItem(target: Uint8Array, opts: AbortOptions & { salt?: Uint8Array; seq?: number } = {}): Promise<FoundItem | undefined> {
    return this.operation(opts.signal, 'DHT get aborted', (resolve) =>
      getItemOp(this.core, target, { salt: opts.salt, seq: opts.seq, onDone: (item) => resolve(item) }),
    );
  }

  /** BEP 44 put of an immutable item; resolves with its target (SHA-1 of the bencoded value). */
  putImmutable(value: BValue, opts: AbortOptions = {}): Promise<{ target: Uint8Array; stored: number }> {
    return this.operation(opts.signal, 'DHT put aborted', (resolve) =>
      putItemOp(this.core, { value, onDone: (r) => resolve({ target: r.target, stored: r.stored }) }),
    );
  }

  /** BEP 44 put of a mutable item signed with an ed25519 seed (32 bytes). */
  putMutable(
    seed: Uint8Array,
    value: BValue,
    seq: number,
    opts: AbortOptions & { salt?: Uint8Array; cas?: number } = {},
  ): Promise<{ target: Uint8Array; stored: number; publicKey: Uint8Array }> {
    const { publicKey } = itemKeyPair(seed);
    const sig = signItem(seed, signedBuffer(seq, encodeValue(value), opts.salt));
    return this.operation(opts.signal, 'DHT put aborted', (resolve) =>
      putItemOp(this.core, {
        value,
        k: publicKey,
        seq,
        sig,
        salt: opts.salt,
        cas: opts.cas,
        onDone: (r) => resolve({ target: r.target, stored: r.stored, publicKey }),
      }),
    );
  }

  private operation<T>(signal: AbortSignal | undefined, what: string, start: (resolve: (v: T) => void) => { stop(): void }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted) return reject(new AbortedError(what));
      if (this.closing) return reject(new DhtError('DHT_CLOSED', 'the DHT node is closed'));
      let settled = false;
      const onAbort = (): void => {
        if (settled) return;
        settled = true;
        this.input(() => h.stop());
        reject(new AbortedError(what));
      };
      const h = this.input(() =>
        start((v) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          resolve(v);
        }),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  stats(): DhtStats {
    const tables: Partial<Record<Family, TableStats>> = {};
    for (const f of this.core.families) tables[f] = this.core.tableStats(f);
    return {
      id: toHex(this.core.id),
      address: this.address(),
      tables,
      infoHashes: this.core.peers.infoHashCount,
      items: this.core.items.size,
      core: this.core.stats,
      rpc: this.core.rpc.stats,
    };
  }

  /** Writes the state file now (no-op without one). */
  async saveState(): Promise<void> {
    if (!this.statePath) return;
    await saveState(this.statePath, { id: this.core.id, nodes: this.core.exportNodes() });
  }

  /** Saves state, fails open operations, releases owned sockets. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer) clearTimeout(this.timer);
      if (this.saveTimer) clearInterval(this.saveTimer);
      try {
        await this.saveState();
      } catch (e) {
        this.warn(e);
      }
      this.core.close();
      this.core.takeDatagrams();
      for (const u of this.unsubscribe) u();
      await Promise.all(this.owned.map((d) => d.close()));
    })();
    return this.closing;
  }
}
