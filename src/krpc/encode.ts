// KRPC encoder (BEP 5, 32, 42, 43, 44, 51): typed messages to canonical bencode. Pure.
import { encode, keyBytes, type BEncodable } from '../bencode/index.js';
import { encodeCompactNodes, encodeCompactPeer } from './address.js';
import { KrpcError } from './errors.js';
import type { KrpcMessage, KrpcQuery, ResponseBody, Want } from './types.js';

type Dict = Map<string, BEncodable>;

function wantList(w: Want | undefined): string[] | undefined {
  if (w === undefined) return undefined;
  const out: string[] = [];
  if (w.n4) out.push('n4');
  if (w.n6) out.push('n6');
  return out;
}

function set(d: Dict, key: string, v: BEncodable | undefined): void {
  if (v !== undefined) d.set(key, v);
}

function queryArgs(m: KrpcQuery): Dict {
  const a: Dict = new Map([['id', m.id]]);
  switch (m.q) {
    case 'ping':
      break;
    case 'find_node':
      a.set('target', m.target);
      set(a, 'want', wantList(m.want));
      break;
    case 'get_peers':
      a.set('info_hash', m.infoHash);
      set(a, 'want', wantList(m.want));
      break;
    case 'announce_peer':
      a.set('info_hash', m.infoHash);
      a.set('port', m.port);
      a.set('token', m.token);
      if (m.impliedPort) a.set('implied_port', 1);
      if (m.seed !== undefined) a.set('seed', m.seed ? 1 : 0);
      break;
    case 'sample_infohashes':
      a.set('target', m.target);
      set(a, 'want', wantList(m.want));
      break;
    case 'get':
      a.set('target', m.target);
      set(a, 'seq', m.seq);
      set(a, 'want', wantList(m.want));
      break;
    case 'put':
      a.set('token', m.token);
      a.set('v', m.value);
      set(a, 'k', m.k);
      set(a, 'seq', m.seq);
      set(a, 'sig', m.sig);
      if (m.salt !== undefined && m.salt.length > 0) a.set('salt', m.salt);
      set(a, 'cas', m.cas);
      break;
    case 'other':
      set(a, 'target', m.target);
      set(a, 'want', wantList(m.want));
      break;
  }
  return a;
}

function responseBody(r: ResponseBody): Dict {
  const d: Dict = new Map([['id', r.id]]);
  if (r.nodes !== undefined) d.set('nodes', encodeCompactNodes(r.nodes, 4));
  if (r.nodes6 !== undefined) d.set('nodes6', encodeCompactNodes(r.nodes6, 6));
  set(d, 'token', r.token);
  if (r.values !== undefined) d.set('values', r.values.map(encodeCompactPeer));
  if (r.samples !== undefined) {
    const s = new Uint8Array(r.samples.length * 20);
    r.samples.forEach((h, i) => s.set(h, i * 20));
    d.set('samples', s);
  }
  set(d, 'num', r.num);
  set(d, 'interval', r.interval);
  set(d, 'v', r.v);
  set(d, 'k', r.k);
  set(d, 'seq', r.seq);
  set(d, 'sig', r.sig);
  return d;
}

/** Encodes a message canonically. Throws KrpcError (KRPC_UNENCODABLE) for values it cannot hold. */
export function encodeKrpc(m: KrpcMessage): Uint8Array {
  const top: Dict = new Map<string, BEncodable>([['t', m.t], ['y', m.y]]);
  set(top, 'v', m.v);
  if (m.y === 'q') {
    // `method` holds the raw bytes as latin1 text (an unknown name need not be UTF-8)
    top.set('q', m.q === 'other' ? keyBytes(m.method) : m.q);
    top.set('a', queryArgs(m));
    if (m.ro) top.set('ro', 1);
  } else if (m.y === 'r') {
    top.set('r', responseBody(m.r));
    if (m.ip !== undefined) top.set('ip', encodeCompactPeer(m.ip));
  } else {
    top.set('e', [m.code, m.message]);
    if (m.ip !== undefined) top.set('ip', encodeCompactPeer(m.ip));
  }
  try {
    return encode(top);
  } catch (e) {
    if (e instanceof KrpcError) throw e;
    throw new KrpcError('KRPC_UNENCODABLE', e instanceof Error ? e.message : String(e), { cause: e });
  }
}
