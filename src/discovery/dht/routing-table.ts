// Kademlia routing table of the BitTorrent DHT (BEP 5), one per address family (BEP 32).
//
// Buckets of k = 8 nodes; only the bucket that holds our own id splits, so the table is a list of
// buckets where bucket i (except the last) holds the nodes sharing exactly i leading bits with
// our id, and the last one holds all nodes sharing at least that many. Each node is good
// (answered us within 15 minutes, or answered once and queried us within 15 minutes),
// questionable, or bad (failed `maxFails` queries in a row). A full bucket takes a newcomer only
// in place of a bad node; otherwise the newcomer waits in the bucket's replacement cache and the
// least recently seen questionable node is named for a ping, so stale nodes are probed and
// replaced while long-lived good ones stay. BEP 42-compliant newcomers may displace
// non-compliant nodes. Pure: every method takes the time.
import type { NodeContact } from '../../krpc/index.js';
import { commonPrefixBits, compareDistance, idEquals, randomIdWithPrefix, type RandomBytes } from './node-id.js';

export type NodeState = 'good' | 'questionable' | 'bad';

/**
 * How we heard of a node: it answered our query, it queried us, it was loaded from a state file,
 * or another node named it in a reply (`hint`: taken only into free room, unverified).
 */
export type Contacted = 'response' | 'query' | 'restored' | 'hint';

export interface RoutingTableOptions {
  /** Bucket size (default 8). */
  readonly k?: number;
  /** Replacement cache size per bucket (default 8). */
  readonly replacements?: number;
  /** Inactivity after which a node is questionable and a bucket needs a refresh (default 15 min). */
  readonly staleAfterMs?: number;
  /** Failed queries in a row that make a node bad (default 2). */
  readonly maxFails?: number;
  /** BEP 42 check; compliant newcomers may displace non-compliant nodes (default: all compliant). */
  readonly isCompliant?: (id: Uint8Array, host: string) => boolean;
  /** Refuse non-compliant nodes outright (BEP 42 enforcement; default false). */
  readonly enforceCompliance?: boolean;
}

export class RoutingNode implements NodeContact {
  /** Last time it answered one of our queries (-Infinity: never). */
  lastResponse = -Infinity;
  /** Last time it sent us a query. */
  lastQuery = -Infinity;
  /** Queries in a row it failed to answer. */
  fails = 0;
  constructor(
    readonly id: Uint8Array,
    public host: string,
    public port: number,
    readonly compliant: boolean,
    readonly addedAt: number,
  ) {}
  /** Last time we heard from it in any way. */
  get lastSeen(): number {
    return Math.max(this.lastResponse, this.lastQuery, this.addedAt);
  }
}

class Bucket {
  nodes: RoutingNode[] = [];
  replacements: RoutingNode[] = [];
  constructor(public lastChanged: number) {}
}

export interface UpdateResult {
  /** What happened to the node. */
  readonly outcome: 'updated' | 'added' | 'replacement' | 'rejected';
  /** A questionable node the caller should ping (its failure frees a slot for the newcomer). */
  readonly ping?: RoutingNode | undefined;
}

export interface TableStats {
  readonly buckets: number;
  readonly nodes: number;
  readonly good: number;
  readonly questionable: number;
  readonly bad: number;
  readonly replacements: number;
}

export class RoutingTable {
  readonly k: number;
  private readonly maxReplacements: number;
  private readonly staleAfterMs: number;
  private readonly maxFails: number;
  private readonly isCompliant: (id: Uint8Array, host: string) => boolean;
  private readonly enforce: boolean;
  private buckets: Bucket[];
  private count = 0;

  constructor(readonly ownId: Uint8Array, now: number, opts: RoutingTableOptions = {}) {
    this.k = opts.k ?? 8;
    this.maxReplacements = opts.replacements ?? 8;
    this.staleAfterMs = opts.staleAfterMs ?? 15 * 60_000;
    this.maxFails = opts.maxFails ?? 2;
    this.isCompliant = opts.isCompliant ?? (() => true);
    this.enforce = opts.enforceCompliance ?? false;
    this.buckets = [new Bucket(now)];
  }

  get size(): number {
    return this.count;
  }

  get bucketCount(): number {
    return this.buckets.length;
  }

  state(n: RoutingNode, now: number): NodeState {
    // A node that never answered is given up after one silent query.
    if (n.fails >= this.maxFails || (n.fails > 0 && n.lastResponse === -Infinity)) return 'bad';
    if (n.fails === 0) {
      if (now - n.lastResponse < this.staleAfterMs) return 'good';
      if (n.lastResponse > -Infinity && now - n.lastQuery < this.staleAfterMs) return 'good';
    }
    return 'questionable';
  }

  private indexOf(id: Uint8Array): number {
    return Math.min(commonPrefixBits(this.ownId, id), this.buckets.length - 1);
  }

  /** The node with this id, if it is in the table (not the replacement caches). */
  find(id: Uint8Array): RoutingNode | undefined {
    const b = this.buckets[this.indexOf(id)] as Bucket;
    const i = indexById(b.nodes, id);
    return i >= 0 ? b.nodes[i] : undefined;
  }

  /**
   * Records that we heard from `c`. `response`: it answered our query (it is good); `query`: it
   * queried us; `restored`: loaded from a state file, not yet verified.
   */
  update(c: NodeContact, how: Contacted, now: number): UpdateResult {
    if (idEquals(c.id, this.ownId)) return { outcome: 'rejected' };
    let compliant: boolean | undefined; // computed only when a new entry is made
    for (;;) {
      const index = this.indexOf(c.id);
      const b = this.buckets[index] as Bucket;
      const ei = indexById(b.nodes, c.id);
      const existing = ei >= 0 ? b.nodes[ei] : undefined;
      if (existing) {
        if (how === 'hint') return { outcome: 'rejected' };
        if (existing.host !== c.host || existing.port !== c.port) {
          // Another address claiming a known id: only believed once the old address is bad,
          // else anyone could redirect a good node's traffic with one spoofed packet.
          if (this.state(existing, now) !== 'bad' || how !== 'response') return { outcome: 'rejected' };
          existing.host = c.host;
          existing.port = c.port;
        }
        this.touch(existing, how, now, b);
        return { outcome: 'updated' };
      }
      compliant ??= this.isCompliant(c.id, c.host);
      if (this.enforce && !compliant) return { outcome: 'rejected' };
      const ri = indexById(b.replacements, c.id);
      if (how === 'hint' && ri >= 0) return { outcome: 'rejected' };
      if (b.nodes.length < this.k) {
        const n = ri >= 0 ? (b.replacements.splice(ri, 1)[0] as RoutingNode) : new RoutingNode(c.id, c.host, c.port, compliant, now);
        this.touch(n, how, now, b);
        b.nodes.push(n);
        b.lastChanged = now;
        this.count++;
        return { outcome: 'added' };
      }
      if (index === this.buckets.length - 1 && this.buckets.length < 160) {
        this.split();
        continue;
      }
      // Hearsay only fills free room: it never displaces anyone or queues for a slot.
      if (how === 'hint') return { outcome: 'rejected' };
      const bad = b.nodes.findIndex((n) => this.state(n, now) === 'bad');
      const displace =
        bad >= 0 ? bad : how === 'response' && compliant ? leastRecent(b.nodes, (n) => !n.compliant) : -1;
      if (displace >= 0) {
        const n = new RoutingNode(c.id, c.host, c.port, compliant, now);
        this.touch(n, how, now, b);
        const old = b.nodes[displace] as RoutingNode;
        b.nodes[displace] = n;
        b.lastChanged = now;
        if (ri >= 0) b.replacements.splice(ri, 1);
        if (this.state(old, now) !== 'bad') this.addReplacement(b, old);
        return { outcome: 'added' };
      }
      let cached: RoutingNode;
      if (ri >= 0) {
        cached = b.replacements.splice(ri, 1)[0] as RoutingNode;
        if (cached.host !== c.host || cached.port !== c.port) {
          cached = new RoutingNode(c.id, c.host, c.port, compliant, now);
        }
      } else cached = new RoutingNode(c.id, c.host, c.port, compliant, now);
      this.touch(cached, how, now);
      this.addReplacement(b, cached);
      let ping: RoutingNode | undefined;
      if (how === 'response') {
        const q = leastRecent(b.nodes, (n) => this.state(n, now) === 'questionable');
        if (q >= 0) ping = b.nodes[q];
      }
      return { outcome: 'replacement', ping };
    }
  }

  /** Our query to `id` went unanswered. A node that turns bad is swapped for a replacement. */
  failed(id: Uint8Array, now: number): void {
    const b = this.buckets[this.indexOf(id)] as Bucket;
    const i = indexById(b.nodes, id);
    if (i < 0) {
      const ri = indexById(b.replacements, id);
      if (ri >= 0) b.replacements.splice(ri, 1);
      return;
    }
    const n = b.nodes[i] as RoutingNode;
    n.fails++;
    if (this.state(n, now) !== 'bad') return;
    // Prefer a replacement that has answered us; the newest first.
    let best = -1;
    for (let j = b.replacements.length - 1; j >= 0; j--) {
      const r = b.replacements[j] as RoutingNode;
      if (best < 0 || (r.lastResponse > -Infinity && (b.replacements[best] as RoutingNode).lastResponse === -Infinity)) best = j;
    }
    if (best >= 0) {
      b.nodes[i] = b.replacements.splice(best, 1)[0] as RoutingNode;
      b.lastChanged = now;
    } else if (n.lastResponse === -Infinity) {
      // Never answered and nothing to swap in: drop it so lookups stop trying it.
      b.nodes.splice(i, 1);
      this.count--;
    }
  }

  /** Removes a node (e.g. it changed its id). */
  remove(id: Uint8Array): void {
    const b = this.buckets[this.indexOf(id)] as Bucket;
    const i = indexById(b.nodes, id);
    if (i >= 0) {
      b.nodes.splice(i, 1);
      this.count--;
    }
  }

  private touch(n: RoutingNode, how: Contacted, now: number, bucket?: Bucket): void {
    if (how === 'response') {
      n.lastResponse = now;
      n.fails = 0;
      if (bucket) bucket.lastChanged = now;
    } else if (how === 'query') n.lastQuery = now;
  }

  private addReplacement(b: Bucket, n: RoutingNode): void {
    b.replacements.push(n);
    if (b.replacements.length > this.maxReplacements) {
      // Drop the oldest that never answered, else the oldest.
      const i = b.replacements.findIndex((r) => r.lastResponse === -Infinity);
      b.replacements.splice(i >= 0 ? i : 0, 1);
    }
  }

  private split(): void {
    const last = this.buckets.length - 1;
    const old = this.buckets[last] as Bucket;
    const near = new Bucket(old.lastChanged);
    const far = new Bucket(old.lastChanged);
    for (const n of old.nodes) (commonPrefixBits(this.ownId, n.id) > last ? near : far).nodes.push(n);
    for (const n of old.replacements) (commonPrefixBits(this.ownId, n.id) > last ? near : far).replacements.push(n);
    this.buckets[last] = far;
    this.buckets.push(near);
  }

  /**
   * Up to `n` nodes closest to `target`, closest first. Bad nodes are left out; so are nodes that
   * never answered us unless `includeUnverified` (a lookup may try them; a reply to others may not).
   */
  closest(target: Uint8Array, n: number, opts: { includeUnverified?: boolean } = {}): RoutingNode[] {
    const out: RoutingNode[] = [];
    const unverified = opts.includeUnverified === true;
    const group: RoutingNode[] = [];
    const collect = (nodes: readonly RoutingNode[]): void => {
      for (const x of nodes) {
        if (x.fails < this.maxFails && (x.lastResponse > -Infinity || (unverified && x.fails === 0))) group.push(x);
      }
    };
    const take = (): boolean => {
      if (group.length > 1) group.sort((a, b) => compareDistance(a.id, b.id, target));
      for (const x of group) {
        out.push(x);
        if (out.length >= n) return true;
      }
      group.length = 0;
      return false;
    };
    // XOR order over this bucket layout: the target's own bucket, then every deeper bucket (all
    // at the same top distance bit), then the shallower buckets from deep to shallow.
    const last = this.buckets.length - 1;
    const c = Math.min(commonPrefixBits(this.ownId, target), last);
    collect((this.buckets[c] as Bucket).nodes);
    if (take()) return out;
    if (c < last) {
      for (let i = c + 1; i <= last; i++) collect((this.buckets[i] as Bucket).nodes);
      if (take()) return out;
    }
    for (let i = c - 1; i >= 0; i--) {
      collect((this.buckets[i] as Bucket).nodes);
      if (take()) return out;
    }
    return out;
  }


  /** Every node in the table. */
  all(): RoutingNode[] {
    return this.buckets.flatMap((b) => b.nodes);
  }

  /** Indices of buckets not changed for `staleAfterMs`. */
  staleBuckets(now: number): number[] {
    const out: number[] = [];
    this.buckets.forEach((b, i) => {
      if (now - b.lastChanged >= this.staleAfterMs) out.push(i);
    });
    return out;
  }

  /** Number of nodes in each bucket, shallowest (farthest from our id) first. */
  bucketSizes(): number[] {
    return this.buckets.map((b) => b.nodes.length);
  }

  /** Marks a bucket as refreshed (a refresh lookup for it started). */
  markRefreshed(index: number, now: number): void {
    const b = this.buckets[index];
    if (b) b.lastChanged = now;
  }

  /** A random id inside bucket `index`'s range, the target of its refresh lookup. */
  randomIdInBucket(index: number, randomBytes: RandomBytes): Uint8Array {
    const last = this.buckets.length - 1;
    return randomIdWithPrefix(this.ownId, Math.min(index, last), index < last, randomBytes);
  }

  /** The least recently seen questionable node of a bucket, if any (to ping during a refresh). */
  questionableIn(index: number, now: number): RoutingNode | undefined {
    const b = this.buckets[index];
    if (!b) return undefined;
    const i = leastRecent(b.nodes, (n) => this.state(n, now) === 'questionable');
    return i >= 0 ? b.nodes[i] : undefined;
  }

  stats(now: number): TableStats {
    let good = 0;
    let questionable = 0;
    let bad = 0;
    let replacements = 0;
    for (const b of this.buckets) {
      replacements += b.replacements.length;
      for (const n of b.nodes) {
        const s = this.state(n, now);
        if (s === 'good') good++;
        else if (s === 'bad') bad++;
        else questionable++;
      }
    }
    return { buckets: this.buckets.length, nodes: this.count, good, questionable, bad, replacements };
  }
}

function indexById(nodes: readonly RoutingNode[], id: Uint8Array): number {
  for (let i = 0; i < nodes.length; i++) if (idEquals((nodes[i] as RoutingNode).id, id)) return i;
  return -1;
}

function leastRecent(nodes: readonly RoutingNode[], pred: (n: RoutingNode) => boolean): number {
  let best = -1;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i] as RoutingNode;
    if (pred(n) && (best < 0 || n.lastSeen < (nodes[best] as RoutingNode).lastSeen)) best = i;
  }
  return best;
}
