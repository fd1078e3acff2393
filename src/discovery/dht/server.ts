// Answers incoming DHT queries (BEP 5 ping/find_node/get_peers/announce_peer, BEP 32 `want`,
// BEP 44 get/put, BEP 51 sample_infohashes, unknown methods with a target). Returns the reply
// body or a KRPC error; the caller adds the envelope (`t`, `v`, BEP 42 `ip`). Pure apart from
// HMAC and ed25519 through node:crypto.
import {
  familyOf,
  KrpcErrorCodes,
  type Family,
  type KrpcAddress,
  type KrpcQuery,
  type NodeContact,
  type ResponseBody,
  type Want,
} from '../../krpc/index.js';
import type { ItemStore } from './item-store.js';
import type { PeerStore } from './peer-store.js';
import type { TokenManager } from './tokens.js';

export interface ServerContext {
  readonly ownId: Uint8Array;
  /** Families we keep a routing table for. */
  readonly families: readonly Family[];
  closest(family: Family, target: Uint8Array, n: number): NodeContact[];
  readonly tokens: TokenManager;
  readonly peers: PeerStore;
  readonly items: ItemStore;
  readonly random: () => number;
  /** BEP 51 refresh interval we advertise, in seconds. */
  readonly sampleIntervalSec: number;
}

export type Answer = { kind: 'reply'; body: ResponseBody } | { kind: 'error'; code: number; message: string };

/** Most peers in one reply: keeps a get_peers reply under ~1 KB (BEP 32 packet size). */
const MAX_VALUES: Record<Family, number> = { 4: 50, 6: 30 };
const MAX_SAMPLES = 20;

function nodeLists(ctx: ServerContext, target: Uint8Array, from: Family, want: Want | undefined): Pick<ResponseBody, 'nodes' | 'nodes6'> {
  const w4 = want ? want.n4 : from === 4;
  const w6 = want ? want.n6 : from === 6;
  return {
    nodes: w4 && ctx.families.includes(4) ? ctx.closest(4, target, 8) : undefined,
    nodes6: w6 && ctx.families.includes(6) ? ctx.closest(6, target, 8) : undefined,
  };
}

export function answerQuery(ctx: ServerContext, q: KrpcQuery, from: KrpcAddress, now: number): Answer {
  const id = ctx.ownId;
  const family = familyOf(from.host);
  switch (q.q) {
    case 'ping':
      return { kind: 'reply', body: { id } };
    case 'find_node':
      return { kind: 'reply', body: { id, ...nodeLists(ctx, q.target, family, q.want) } };
    case 'get_peers': {
      const values = ctx.peers.peers(q.infoHash, family, MAX_VALUES[family], ctx.random, now);
      return {
        kind: 'reply',
        body: {
          id,
          token: ctx.tokens.issue(from.host, now),
          values: values.length > 0 ? values : undefined,
          ...nodeLists(ctx, q.infoHash, family, q.want),
        },
      };
    }
    case 'announce_peer': {
      if (!ctx.tokens.verify(q.token, from.host, now)) return { kind: 'error', code: KrpcErrorCodes.protocol, message: 'bad token' };
      const port = q.impliedPort ? from.port : q.port;
      if (port === 0) return { kind: 'error', code: KrpcErrorCodes.protocol, message: 'bad port' };
      ctx.peers.announce(q.infoHash, { host: from.host, port }, q.seed ?? false, now);
      return { kind: 'reply', body: { id } };
    }
    case 'sample_infohashes':
      return {
        kind: 'reply',
        body: {
          id,
          samples: ctx.peers.sample(MAX_SAMPLES, ctx.random),
          num: ctx.peers.infoHashCount,
          interval: ctx.sampleIntervalSec,
          ...nodeLists(ctx, q.target, family, q.want),
        },
      };
    case 'get': {
      const item = ctx.items.get(q.target, now);
      const body: ResponseBody = { id, token: ctx.tokens.issue(from.host, now), ...nodeLists(ctx, q.target, family, q.want) };
      if (!item) return { kind: 'reply', body };
      if (item.k === undefined) return { kind: 'reply', body: { ...body, v: item.value } };
      if (q.seq !== undefined && item.seq !== undefined && item.seq <= q.seq) return { kind: 'reply', body: { ...body, seq: item.seq } };
      return { kind: 'reply', body: { ...body, v: item.value, k: item.k, seq: item.seq, sig: item.sig } };
    }
    case 'put': {
      if (!ctx.tokens.verify(q.token, from.host, now)) return { kind: 'error', code: KrpcErrorCodes.protocol, message: 'bad token' };
      const r = ctx.items.put(q, now);
      return r.ok ? { kind: 'reply', body: { id } } : { kind: 'error', code: r.code, message: r.message };
    }
    case 'other':
      // Forward compatibility: a query with a target is answered like find_node.
      if (q.target !== undefined) return { kind: 'reply', body: { id, ...nodeLists(ctx, q.target, family, q.want) } };
      return { kind: 'error', code: KrpcErrorCodes.methodUnknown, message: 'method unknown' };
  }
}
