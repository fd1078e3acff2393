// Outgoing KRPC queries and their transactions (BEP 5). Each query gets a random transaction id;
// a reply is accepted only if its id matches an outstanding query sent to the same address
// (anything else is dropped). Every query has a short "slow" deadline, after which lookups stop
// waiting for it, and a full timeout that fails it. The slow deadline adapts to measured round
// trips (smoothed RTT + mean deviation, at least 100 ms): a slow mark only adds a query, so it can
// be eager. Pure: time comes in, datagrams go to an outbox, deadlines go to a TimerQueue.
import {
  encodeKrpc,
  type KrpcAddress,
  type KrpcErrorMessage,
  type KrpcMessage,
  type KrpcQuery,
  type KrpcResponse,
} from '../../krpc/index.js';
import { idKey, type RandomBytes } from './node-id.js';
import { TimerQueue } from './timer-queue.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A query without the envelope fields the engine fills in. */
export type QueryArgs = DistributiveOmit<KrpcQuery, 't' | 'y' | 'v' | 'ro'>;

export interface QueryHandlers {
  onReply(r: KrpcResponse, rttMs: number): void;
  onError(e: KrpcErrorMessage): void;
  /** The short deadline passed with no reply (the query stays open). */
  onSlow?(): void;
  onTimeout(): void;
}

export interface Outgoing {
  readonly to: KrpcAddress;
  readonly message: KrpcMessage;
}

export interface RpcOptions {
  readonly randomBytes: RandomBytes;
  /** The `v` field we send. */
  readonly version?: Uint8Array | undefined;
  /** BEP 43: mark our queries read-only. */
  readonly readOnly?: boolean | undefined;
  /** Full timeout of a query (default 5000 ms). */
  readonly queryTimeoutMs?: number | undefined;
  /** Bounds of the adaptive slow deadline (default 100..2000 ms; 1000 ms before any sample). */
  readonly minSlowMs?: number | undefined;
  readonly maxSlowMs?: number | undefined;
  /** Most queries outstanding at once (default 2048); beyond it queries fail at once. */
  readonly maxOutstanding?: number | undefined;
}

export interface Transaction {
  readonly key: string;
  readonly to: KrpcAddress;
  readonly method: string;
  readonly sentAt: number;
  readonly handlers: QueryHandlers;
  open: boolean;
}

type Timer = { kind: 'slow' | 'timeout'; txn: Transaction };

export const addressKey = (a: KrpcAddress): string => `${a.host}|${a.port}`;

export class RpcEngine {
  private readonly txns = new Map<string, Transaction>();
  private readonly timers = new TimerQueue<Timer>();
  private outbox: Outgoing[] = [];
  private srtt = -1;
  private rttvar = 0;
  private readonly queryTimeoutMs: number;
  private readonly minSlowMs: number;
  private readonly maxSlowMs: number;
  private readonly maxOutstanding: number;
  readonly stats = { queriesSent: 0, repliesMatched: 0, repliesUnmatched: 0, timeouts: 0, errorsReceived: 0, sent: 0 };

  constructor(private readonly opts: RpcOptions) {
    this.queryTimeoutMs = opts.queryTimeoutMs ?? 5000;
    this.minSlowMs = opts.minSlowMs ?? 100;
    this.maxSlowMs = opts.maxSlowMs ?? 2000;
    this.maxOutstanding = opts.maxOutstanding ?? 2048;
  }

  get outstanding(): number {
    return this.txns.size;
  }

  /** Current slow deadline in ms. */
  slowMs(): number {
    if (this.srtt < 0) return Math.min(1000, this.maxSlowMs);
    return Math.max(this.minSlowMs, Math.min(this.maxSlowMs, this.srtt + this.rttvar));
  }

  /** Queues any message (replies use this directly). */
  send(to: KrpcAddress, message: KrpcMessage): void {
    this.outbox.push({ to, message });
    this.stats.sent++;
  }

  /** Sends a query and tracks its transaction. */
  query(to: KrpcAddress, args: QueryArgs, handlers: QueryHandlers, now: number): void {
    if (this.txns.size >= this.maxOutstanding) {
      handlers.onTimeout();
      return;
    }
    let t: Uint8Array;
    let key: string;
    do {
      t = this.opts.randomBytes(4).slice(0, 4);
      key = idKey(t);
    } while (this.txns.has(key));
    const txn: Transaction = { key, to: { host: to.host, port: to.port }, method: args.q, sentAt: now, handlers, open: true };
    this.txns.set(key, txn);
    const message = { ...args, y: 'q', t, v: this.opts.version, ro: this.opts.readOnly ? true : undefined } as KrpcQuery;
    this.send(to, message);
    this.stats.queriesSent++;
    if (handlers.onSlow) this.timers.push(now + this.slowMs(), { kind: 'slow', txn });
    this.timers.push(now + this.queryTimeoutMs, { kind: 'timeout', txn });
  }

  /**
   * Routes a reply or error to its transaction. Returns false (and drops it) when no query with
   * that transaction id is outstanding to that address.
   */
  receiveReply(m: KrpcResponse | KrpcErrorMessage, from: KrpcAddress, now: number): boolean {
    const key = idKey(m.t);
    const txn = this.txns.get(key);
    if (txn === undefined || txn.to.host !== from.host || txn.to.port !== from.port) {
      this.stats.repliesUnmatched++;
      return false;
    }
    this.txns.delete(key);
    txn.open = false;
    this.stats.repliesMatched++;
    if (m.y === 'e') {
      this.stats.errorsReceived++;
      txn.handlers.onError(m);
      return true;
    }
    const rtt = now - txn.sentAt;
    this.sampleRtt(rtt);
    txn.handlers.onReply(m, rtt);
    return true;
  }

  private sampleRtt(rtt: number): void {
    if (this.srtt < 0) {
      this.srtt = rtt;
      this.rttvar = rtt / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rtt);
      this.srtt = 0.875 * this.srtt + 0.125 * rtt;
    }
  }

  /** Fires due deadlines. */
  tick(now: number): void {
    for (let t = this.timers.popDue(now); t !== undefined; t = this.timers.popDue(now)) {
      const { txn } = t;
      if (!txn.open) continue;
      if (t.kind === 'slow') txn.handlers.onSlow?.();
      else {
        txn.open = false;
        this.txns.delete(txn.key);
        this.stats.timeouts++;
        txn.handlers.onTimeout();
      }
    }
  }

  nextDeadline(): number | undefined {
    return this.timers.peekTime();
  }

  /** Messages queued since the last call. */
  takeOutgoing(): Outgoing[] {
    const out = this.outbox;
    this.outbox = [];
    return out;
  }

  /** Like takeOutgoing, encoded; a message that cannot be encoded is dropped. */
  takeDatagrams(): { to: KrpcAddress; data: Uint8Array }[] {
    const out: { to: KrpcAddress; data: Uint8Array }[] = [];
    for (const o of this.takeOutgoing()) {
      try {
        out.push({ to: o.to, data: encodeKrpc(o.message) });
      } catch {
        // only our own bug could get here; dropping one datagram is the safe outcome
      }
    }
    return out;
  }

  /** Fails every open query (shutdown). */
  cancelAll(): void {
    const open = [...this.txns.values()];
    this.txns.clear();
    for (const txn of open) {
      txn.open = false;
      txn.handlers.onTimeout();
    }
  }
}
