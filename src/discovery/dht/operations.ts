// What a DHT user asks for, built on DhtCore's lookups: find peers for an info hash (BEP 5
// get_peers on every family), announce (get_peers, then announce_peer to the 8 closest nodes that
// gave a token, BEP 42-compliant ones first), ping, sample_infohashes (BEP 51), and BEP 44 get/put
// of immutable and mutable items with verification of what comes back. Callback style and pure,
// so the simulator can run them; node.ts wraps them in promises and async iterators.
import type { BValue } from '../../bencode/index.js';
import type { Family, KrpcAddress, KrpcErrorMessage, ResponseBody } from '../../krpc/index.js';
import type { DhtCore, LookupResult } from './core.js';
import { encodeValue, immutableTarget, mutableTarget, signedBuffer, verifyItemSignature } from './items.js';
import type { Candidate } from './lookup.js';
import { idEquals } from './node-id.js';

export interface PeersResult {
  readonly peers: KrpcAddress[];
  readonly lookups: LookupResult[];
}

export interface Stoppable {
  stop(): void;
}

/** Runs one lookup per family and reports when all are done. */
function perFamily(
  families: readonly Family[],
  start: (f: Family, done: (r: LookupResult) => void) => Stoppable,
  onAll: (rs: LookupResult[]) => void,
): Stoppable {
  const results: LookupResult[] = [];
  const handles: Stoppable[] = [];
  let left = families.length;
  if (left === 0) onAll([]);
  for (const f of families) {
    handles.push(
      start(f, (r) => {
        results.push(r);
        if (--left === 0) onAll(results);
      }),
    );
  }
  return { stop: () => handles.forEach((h) => h.stop()) };
}

export interface GetPeersOptions {
  /** Each new peer as it is found. */
  onPeer?(peer: KrpcAddress): void;
  onDone(r: PeersResult): void;
  /** Called for every reply (announce uses it to keep tokens). */
  onReply?(c: Candidate, body: ResponseBody): void;
}

export function getPeers(core: DhtCore, infoHash: Uint8Array, opts: GetPeersOptions): Stoppable {
  const seen = new Set<string>();
  const peers: KrpcAddress[] = [];
  return perFamily(
    core.families,
    (family, done) =>
      core.runLookup({
        kind: 'get_peers',
        target: infoHash,
        family,
        onReply: (c, body) => {
          opts.onReply?.(c, body);
          for (const p of body.values ?? []) {
            if (p.port === 0) continue;
            const key = `${p.host}|${p.port}`;
            if (seen.has(key)) continue;
            seen.add(key);
            peers.push(p);
            opts.onPeer?.(p);
          }
        },
        onDone: done,
      }),
    (lookups) => opts.onDone({ peers, lookups }),
  );
}

export interface AnnounceResult extends PeersResult {
  /** Nodes that accepted the announce. */
  readonly stored: number;
  /** Nodes asked. */
  readonly asked: number;
}

export interface AnnounceOptions {
  /** TCP/uTP port of our peer; undefined means "use my DHT port" (implied_port). */
  readonly port?: number | undefined;
  readonly seed?: boolean | undefined;
  onPeer?(peer: KrpcAddress): void;
  onDone(r: AnnounceResult): void;
}

/** get_peers lookup, then announce_peer to the closest nodes that handed out tokens. */
export function announce(core: DhtCore, infoHash: Uint8Array, opts: AnnounceOptions): Stoppable {
  let stopped = false;
  const lookupHandle = getPeers(core, infoHash, {
    onPeer: opts.onPeer,
    onDone: (r) => {
      if (stopped) return;
      const targets = r.lookups.flatMap((l) => storageTargets(core, l));
      let left = targets.length;
      let stored = 0;
      const finish = (): void => opts.onDone({ ...r, stored, asked: targets.length });
      if (left === 0) return finish();
      for (const c of targets) {
        const settle = (ok: boolean): void => {
          if (ok) stored++;
          if (--left === 0) finish();
        };
        core.queryNode(
          { id: c.id, host: c.host, port: c.port },
          {
            q: 'announce_peer',
            id: core.id,
            infoHash,
            port: opts.port ?? 0,
            impliedPort: opts.port === undefined,
            token: c.token as Uint8Array,
            seed: opts.seed,
          },
          { onReply: () => settle(true), onError: () => settle(false), onTimeout: () => settle(false) },
        );
      }
    },
  });
  return {
    stop: () => {
      stopped = true;
      lookupHandle.stop();
    },
  };
}

/** The k closest responders with a token: BEP 42-compliant first (only those when enforcing). */
function storageTargets(core: DhtCore, r: LookupResult): Candidate[] {
  const list = r.lookup.closestResponded(core.k, { withToken: true, compliantFirst: true });
  return core.enforcesNodeId ? list.filter((c) => c.compliant !== false) : list;
}

/** A single ping; `onDone` gets the responder's id, or undefined on timeout or error. */
export function ping(core: DhtCore, to: KrpcAddress, onDone: (id: Uint8Array | undefined) => void): void {
  core.queryNode(to, { q: 'ping', id: core.id }, { onReply: (r) => onDone(r.r.id), onError: () => onDone(undefined), onTimeout: () => onDone(undefined) });
}

export interface SampleResult {
  readonly id: Uint8Array;
  readonly samples: readonly Uint8Array[];
  readonly num: number;
  readonly interval: number;
}

/** BEP 51: asks one node for a sample of the info hashes it stores. */
export function sampleInfohashes(core: DhtCore, to: KrpcAddress, target: Uint8Array, onDone: (r: SampleResult | KrpcErrorMessage | undefined) => void): void {
  core.queryNode(
    to,
    { q: 'sample_infohashes', id: core.id, target },
    {
      onReply: (r) => onDone({ id: r.r.id, samples: r.r.samples ?? [], num: r.r.num ?? 0, interval: r.r.interval ?? 0 }),
      onError: (e) => onDone(e),
      onTimeout: () => onDone(undefined),
    },
  );
}

// ---- BEP 44 ---------------------------------------------------------------------------------

export interface FoundItem {
  readonly value: BValue;
  readonly k?: Uint8Array | undefined;
  readonly seq?: number | undefined;
  readonly sig?: Uint8Array | undefined;
}

export interface GetItemOptions {
  /** Mutable items: the public key and salt the target was made from (for verification). */
  readonly k?: Uint8Array | undefined;
  readonly salt?: Uint8Array | undefined;
  /** Only values with a greater sequence number. */
  readonly seq?: number | undefined;
  onDone(item: FoundItem | undefined, lookups: LookupResult[]): void;
}

/** Checks a get reply against the target; returns the item if it verifies. */
export function verifiedItem(target: Uint8Array, body: ResponseBody, salt?: Uint8Array): FoundItem | undefined {
  if (body.v === undefined) return undefined;
  let encoded: Uint8Array;
  try {
    encoded = encodeValue(body.v);
  } catch {
    return undefined;
  }
  if (body.k === undefined) return idEquals(immutableTarget(encoded), target) ? { value: body.v } : undefined;
  if (body.seq === undefined || body.sig === undefined || !idEquals(mutableTarget(body.k, salt), target)) return undefined;
  if (!verifyItemSignature(body.k, body.sig, signedBuffer(body.seq, encoded, salt))) return undefined;
  return { value: body.v, k: body.k, seq: body.seq, sig: body.sig };
}

/** BEP 44 get: the immutable item, or the mutable item with the highest valid sequence number. */
export function getItem(core: DhtCore, target: Uint8Array, opts: GetItemOptions): Stoppable {
  let best: FoundItem | undefined;
  return perFamily(
    core.families,
    (family, done) =>
      core.runLookup({
        kind: 'get',
        target,
        family,
        seq: opts.seq,
        onReply: (_c, body) => {
          const item = verifiedItem(target, body, opts.salt);
          if (item && (best === undefined || (item.seq ?? 0) > (best.seq ?? 0))) best = item;
        },
        onDone: done,
      }),
    (lookups) => opts.onDone(best, lookups),
  );
}

export interface PutItemOptions {
  readonly value: BValue;
  /** Mutable: public key, sequence number, signature over signedBuffer(seq, value, salt). */
  readonly k?: Uint8Array | undefined;
  readonly seq?: number | undefined;
  readonly sig?: Uint8Array | undefined;
  readonly salt?: Uint8Array | undefined;
  readonly cas?: number | undefined;
  onDone(r: { target: Uint8Array; stored: number; asked: number; errors: KrpcErrorMessage[] }): void;
}

/** BEP 44 put: a get lookup for write tokens, then put to the closest nodes that gave one. */
export function putItem(core: DhtCore, opts: PutItemOptions): Stoppable {
  const encoded = encodeValue(opts.value);
  const target = opts.k === undefined ? immutableTarget(encoded) : mutableTarget(opts.k, opts.salt);
  let stopped = false;
  const h = perFamily(
    core.families,
    (family, done) => core.runLookup({ kind: 'get', target, family, onDone: done }),
    (lookups) => {
      if (stopped) return;
      const targets = lookups.flatMap((l) => storageTargets(core, l));
      let left = targets.length;
      let stored = 0;
      const errors: KrpcErrorMessage[] = [];
      const finish = (): void => opts.onDone({ target, stored, asked: targets.length, errors });
      if (left === 0) return finish();
      for (const c of targets) {
        const settle = (ok: boolean): void => {
          if (ok) stored++;
          if (--left === 0) finish();
        };
        core.queryNode(
          { id: c.id, host: c.host, port: c.port },
          { q: 'put', id: core.id, token: c.token as Uint8Array, value: opts.value, k: opts.k, seq: opts.seq, sig: opts.sig, salt: opts.salt, cas: opts.cas },
          {
            onReply: () => settle(true),
            onError: (e) => {
              errors.push(e);
              settle(false);
            },
            onTimeout: () => settle(false),
          },
        );
      }
    },
  );
  return {
    stop: () => {
      stopped = true;
      h.stop();
    },
  };
}
