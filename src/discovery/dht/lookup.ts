// Iterative Kademlia lookup (BEP 5) as a pure state machine: the caller reports responses,
// "slow" marks and failures; the lookup says which candidates to query next and when it is done.
//
// alpha = 3 queries are kept active among the k closest live candidates. Once the closest live
// candidate has answered (nothing closer is left to find), the rest of the k closest are queried
// at once, as in Kademlia's final round, rather than alpha at a time. A query that passes its
// short (slow) timeout stops counting against alpha, and so does one whose candidate closer
// answers have pushed out of the k closest: the next candidate is queried at once, so a lookup
// never sits waiting for a timeout while unqueried candidates remain (a late answer is still
// used). Termination is the closest-set rule: the lookup is done when the k closest candidates
// that have not failed or gone slow have all answered, or when nothing is left to query.
// A lookup for values (get_peers, get) that has found none yet also waits for its slow queries
// closer than the k-th responder, until they answer or fully time out: the nodes holding an
// announce are the closest ones, and on a loaded host they are the ones that go slow, so ending
// without them returns nothing although the peers exist. Once values are in hand, a slow one can
// only add more, and the lookup ends as usual (libtorrent likewise hands peers over as they come).
// Candidates carry the round (hop count) at which they were found, for the simulator's round
// statistics. With BEP 42 enforcement only compliant responders count toward the closest set.
import type { KrpcAddress, NodeContact } from '../../krpc/index.js';
import { compareDistance, idEquals, idKey } from './node-id.js';

export type CandidateState = 'new' | 'inflight' | 'slow' | 'responded' | 'failed';

export class Candidate {
  state: CandidateState = 'new';
  /** Write token it returned (get_peers / get). */
  token: Uint8Array | undefined;
  /** Whether its id passes BEP 42 for its address (computed when first needed). */
  compliant: boolean | undefined;
  constructor(
    /** Undefined for a bootstrap address whose id we learn from its reply. */
    public id: Uint8Array | undefined,
    readonly host: string,
    readonly port: number,
    /** 1 for starting candidates; one more than the responder that named it. */
    readonly round: number,
    readonly addressKey: string,
  ) {}
}

export interface LookupOptions {
  /** Closest-set size (default 8). */
  readonly k?: number;
  /** Parallel active queries (default 3). */
  readonly alpha?: number;
  /** Most candidates remembered (default 64); farther unqueried ones are dropped. */
  readonly maxCandidates?: number;
  /** Most queries one lookup sends (default 256). */
  readonly maxQueries?: number;
  /** BEP 42 enforcement: only compliant responders count toward termination. */
  readonly requireCompliant?: boolean;
  /** Our own id: never a candidate. */
  readonly exclude?: Uint8Array;
  /** A lookup for values (get_peers, get): until foundValues(), slow queries in the closest set are waited for. */
  readonly wantsValues?: boolean;
  /** BEP 42 check of a responder (default: every node passes). */
  readonly isCompliant?: (c: NodeContact) => boolean;
}

export class Lookup {
  readonly k: number;
  readonly alpha: number;
  private readonly maxCandidates: number;
  private readonly maxQueries: number;
  private readonly requireCompliant: boolean;
  private readonly exclude: Uint8Array | undefined;
  /** Sorted: unknown-id seeds first, then by XOR distance to the target. */
  private readonly candidates: Candidate[] = [];
  private readonly byAddress = new Map<string, Candidate>();
  private readonly byId = new Set<string>();
  private queries = 0;
  private finished = false;
  private readonly wantsValues: boolean;
  private valuesFound = false;
  /** Deepest round queried so far. */
  maxRound = 0;

  constructor(readonly target: Uint8Array, opts: LookupOptions = {}) {
    this.k = opts.k ?? 8;
    this.alpha = opts.alpha ?? 3;
    this.maxCandidates = opts.maxCandidates ?? 64;
    this.maxQueries = opts.maxQueries ?? 256;
    this.requireCompliant = opts.requireCompliant ?? false;
    this.exclude = opts.exclude;
    this.wantsValues = opts.wantsValues ?? false;
    this.compliantFn = opts.isCompliant;
  }

  private readonly compliantFn: ((c: NodeContact) => boolean) | undefined;

  private compliant(c: Candidate): boolean {
    if (c.compliant === undefined) c.compliant = c.id === undefined || !this.compliantFn ? true : this.compliantFn(c as NodeContact);
    return c.compliant;
  }

  get done(): boolean {
    return this.finished;
  }

  get queriesSent(): number {
    return this.queries;
  }

  /** Adds starting points or nodes named in a reply; `from` is the responder (round + 1). */
  add(contacts: readonly (NodeContact | KrpcAddress)[], from?: Candidate): void {
    if (this.finished) return;
    const round = from ? from.round + 1 : 1;
    for (const c of contacts) {
      const id = 'id' in c ? c.id : undefined;
      const addressKey = `${c.host}|${c.port}`;
      if (this.byAddress.has(addressKey)) continue;
      // Far candidates cannot matter once the list is full of closer ones.
      if (id !== undefined && this.candidates.length >= this.maxCandidates) {
        const last = this.candidates[this.candidates.length - 1] as Candidate;
        if (last.id !== undefined && compareDistance(id, last.id, this.target) >= 0) continue;
      }
      const cand = new Candidate(id, c.host, c.port, round, addressKey);
      if (id !== undefined) {
        if (this.exclude !== undefined && idEquals(id, this.exclude)) continue;
        const key = idKey(id);
        if (this.byId.has(key)) continue;
        this.byId.add(key);
      }
      this.byAddress.set(addressKey, cand);
      this.insertSorted(cand);
    }
    this.trim();
  }

  private compare(a: Candidate, b: Candidate): number {
    if (a.id === undefined) return b.id === undefined ? 0 : -1;
    if (b.id === undefined) return 1;
    return compareDistance(a.id, b.id, this.target);
  }

  private insertSorted(c: Candidate): void {
    let lo = 0;
    let hi = this.candidates.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.compare(this.candidates[mid] as Candidate, c) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.candidates.splice(lo, 0, c);
  }

  private trim(): void {
    for (let i = this.candidates.length - 1; i >= 0 && this.candidates.length > this.maxCandidates; i--) {
      const c = this.candidates[i] as Candidate;
      if (c.state === 'new' || c.state === 'failed') {
        this.candidates.splice(i, 1);
        this.byAddress.delete(c.addressKey);
        // its id stays in byId: a node dropped for being far is not worth re-adding
      }
    }
  }

  /**
   * The candidates to query now (marked in flight). Call after every change; returns [] when the
   * lookup is waiting or done.
   */
  next(): Candidate[] {
    if (this.finished) return [];
    const out: Candidate[] = [];
    let active = this.activeInWindow();
    // Kademlia's last step: once the closest candidate has answered without naming anyone closer,
    // the unqueried ones among the k closest live candidates are queried together.
    const converged = this.converged();
    let counted = 0;
    let live = 0;
    let pending = false;
    // A slow query to a candidate closer than the k-th responder may still answer with the values
    // we look for: while we have none, the lookup waits for it (it holds no alpha slot meanwhile,
    // so this never idles while candidates are unqueried).
    let slowInWindow = false;
    for (const c of this.candidates) {
      if (counted >= this.k) break;
      switch (c.state) {
        case 'responded':
          if (!this.requireCompliant || this.compliant(c)) {
            counted++;
            live++;
          }
          break;
        case 'inflight':
          pending = true;
          live++;
          break;
        case 'new':
          if ((active < this.alpha || (converged && live < this.k)) && this.queries < this.maxQueries) {
            c.state = 'inflight';
            active++;
            this.queries++;
            if (c.round > this.maxRound) this.maxRound = c.round;
            out.push(c);
          }
          pending = true;
          live++;
          break;
        case 'slow':
          if (this.wantsValues && !this.valuesFound) slowInWindow = true;
          break;
        default:
          break; // failed: skipped
      }
    }
    if (!slowInWindow && (!pending || (active === 0 && out.length === 0))) this.finished = true;
    return out;
  }

  /** A reply arrived from `c`; `nodes` are the contacts it named. */
  responded(c: Candidate, id: Uint8Array, nodes: readonly NodeContact[]): void {
    if (this.finished || c.state === 'responded') return;
    if (c.id === undefined) {
      // A bootstrap address: now that its id is known, move it to its place in the order.
      const i = this.candidates.indexOf(c);
      if (i >= 0) this.candidates.splice(i, 1);
      const key = idKey(id);
      if (this.byId.has(key)) {
        this.byAddress.delete(c.addressKey);
        c.state = 'responded';
        this.add(nodes, c);
        return;
      }
      this.byId.add(key);
      c.id = id;
      if (i >= 0) this.insertSorted(c);
    }
    c.state = 'responded';
    this.add(nodes, c);
  }

  /** A reply carried what the lookup is for (peers, an item). */
  foundValues(): void {
    this.valuesFound = true;
  }

  /** Past its short timeout: stop counting it against alpha (a late reply is still taken). */
  slow(c: Candidate): void {
    if (c.state === 'inflight') c.state = 'slow';
  }

  /** Timed out for good, or answered with an error. */
  failed(c: Candidate): void {
    if (c.state === 'inflight' || c.state === 'slow' || c.state === 'new') c.state = 'failed';
  }

  /** Stops the lookup (abort). */
  stop(): void {
    this.finished = true;
  }

  /** The closest responders, closest first (those with a token when `withToken`). */
  closestResponded(n: number, opts: { withToken?: boolean; compliantFirst?: boolean } = {}): Candidate[] {
    const all = this.candidates.filter((c) => c.state === 'responded' && c.id !== undefined && (!opts.withToken || c.token !== undefined));
    if (!opts.compliantFirst) return all.slice(0, n);
    const good = all.filter((c) => this.compliant(c));
    if (good.length >= n) return good.slice(0, n);
    // BEP 42: store on the closest compliant nodes, and top up with others only if too few
    return [...good, ...all.filter((c) => !this.compliant(c)).slice(0, n - good.length)];
  }

  /**
   * Whether the search has converged: the closest candidate that has not failed or gone slow has
   * answered (so it named no one closer that is still unknown to us).
   */
  private converged(): boolean {
    for (const c of this.candidates) {
      if (c.state === 'failed' || c.state === 'slow') continue;
      return c.state === 'responded' && c.id !== undefined && (!this.requireCompliant || this.compliant(c));
    }
    return false;
  }

  /**
   * Queries in flight to candidates still among the k closest live ones. A query whose target
   * has been pushed out of that window by closer answers cannot change the result: like a slow
   * one, it no longer holds one of the alpha slots.
   */
  private activeInWindow(): number {
    const window = Math.max(this.k, this.alpha);
    let live = 0;
    let active = 0;
    for (const c of this.candidates) {
      if (live >= window) break;
      if (c.state === 'inflight') active++;
      if (c.state === 'inflight' || c.state === 'new' || (c.state === 'responded' && (!this.requireCompliant || this.compliant(c)))) live++;
    }
    return active;
  }

  /**
   * For checks: fewer than alpha queries outstanding (not counting slow ones) while an unqueried
   * candidate is closer than the k-th responder, i.e. the lookup waits although it has work.
   */
  idleWithWork(): boolean {
    if (this.finished) return false;
    let active = 0;
    for (const c of this.candidates) if (c.state === 'inflight') active++;
    if (active >= this.alpha || this.queries >= this.maxQueries) return false;
    let counted = 0;
    for (const c of this.candidates) {
      if (counted >= this.k) return false;
      if (c.state === 'responded' && (!this.requireCompliant || this.compliant(c))) counted++;
      else if (c.state === 'new') return true;
    }
    return false;
  }

  /** Counts by state, for statistics. */
  counts(): Record<CandidateState, number> {
    const out: Record<CandidateState, number> = { new: 0, inflight: 0, slow: 0, responded: 0, failed: 0 };
    for (const c of this.candidates) out[c.state]++;
    return out;
  }
}
