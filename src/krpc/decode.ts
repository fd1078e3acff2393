// KRPC decoder (BEP 5, 32, 42, 43, 44, 51) for datagrams from anyone on the Internet.
//
// The bencode layer runs in strict mode (canonical encoding only) with bounds on packet size,
// nesting and element count, so no datagram can make the decoder allocate much or recurse deep.
// Every known field is type- and length-checked; unknown keys are ignored (BEP 5 lets messages
// carry extra keys). Failures are KrpcError; once `t` and `y` are readable they ride along on the
// error so a node can answer a bad query with error 203.
import { BencodeError, DictReader, decode, isBytes, isDict, type BDict, type BValue } from '../bencode/index.js';
import { decodeCompactNodes, decodeCompactPeer, ID_LENGTH, type KrpcAddress } from './address.js';
import { KrpcError } from './errors.js';
import type { KrpcErrorMessage, KrpcMessage, KrpcQuery, KrpcResponse, ResponseBody, Want } from './types.js';

export interface KrpcDecodeOptions {
  /** Largest datagram accepted, in bytes (default 4096; BEP 32 asks for at least 1024). */
  readonly maxPacket?: number;
}

export const KRPC_MAX_PACKET = 4096;
const MAX_DEPTH = 16;
const MAX_ELEMENTS = 1024;
const MAX_TID = 32;
const MAX_TOKEN = 64;
const MAX_VALUES = 256;
const MAX_METHOD = 32;

const latin1 = new TextDecoder('latin1');
const utf8Lossy = new TextDecoder('utf-8');

function bad(message: string, t?: Uint8Array, y?: 'q' | 'r' | 'e'): never {
  throw new KrpcError('KRPC_BAD_FIELD', message, { transactionId: t, messageType: y });
}

function optVersion(d: DictReader): Uint8Array | undefined {
  const v = d.raw('v');
  return isBytes(v) && v.length <= 32 ? v : undefined;
}

function id20(d: DictReader, key: string): Uint8Array {
  const b = d.bytes(key);
  if (b.length !== ID_LENGTH) d.fail(key, `expected ${ID_LENGTH} bytes, found ${b.length}`);
  return b;
}

function optId20(d: DictReader, key: string): Uint8Array | undefined {
  return d.has(key) ? id20(d, key) : undefined;
}

function optBoolInt(d: DictReader, key: string): boolean | undefined {
  const n = d.optInt(key);
  return n === undefined ? undefined : n !== 0;
}

function want(d: DictReader): Want | undefined {
  const w = d.optList('want');
  if (w === undefined) return undefined;
  let n4 = false;
  let n6 = false;
  for (const item of w) {
    if (!isBytes(item)) continue; // BEP 32: unknown entries are ignored
    const s = latin1.decode(item);
    if (s === 'n4') n4 = true;
    else if (s === 'n6') n6 = true;
  }
  return { n4, n6 };
}

function token(d: DictReader, key: string): Uint8Array {
  const b = d.bytes(key);
  if (b.length > MAX_TOKEN) d.fail(key, `token of ${b.length} bytes exceeds ${MAX_TOKEN}`);
  return b;
}

function compactAddress(d: DictReader, key: string): KrpcAddress | undefined {
  const b = d.optBytes(key);
  if (b === undefined) return undefined;
  if (b.length !== 6 && b.length !== 18) d.fail(key, `expected 6 or 18 bytes, found ${b.length}`);
  return decodeCompactPeer(b, d.fieldPath(key));
}

function decodeQuery(top: DictReader, t: Uint8Array): KrpcQuery {
  const method = top.bytes('q');
  if (method.length === 0 || method.length > MAX_METHOD) top.fail('q', `method name of ${method.length} bytes`);
  const a: DictReader = top.dictAt('a');
  const common = {
    y: 'q' as const,
    t,
    id: id20(a, 'id'),
    v: optVersion(top),
    ro: top.optInt('ro') === 1 ? true : undefined,
  };
  const name = latin1.decode(method);
  switch (name) {
    case 'ping':
      return { ...common, q: 'ping' };
    case 'find_node':
      return { ...common, q: 'find_node', target: id20(a, 'target'), want: want(a) };
    case 'get_peers':
      return { ...common, q: 'get_peers', infoHash: id20(a, 'info_hash'), want: want(a) };
    case 'announce_peer': {
      const port = a.int('port');
      if (port < 0 || port > 65535) a.fail('port', `port out of range: ${port}`);
      return {
        ...common,
        q: 'announce_peer',
        infoHash: id20(a, 'info_hash'),
        port,
        impliedPort: optBoolInt(a, 'implied_port') ?? false,
        token: token(a, 'token'),
        seed: optBoolInt(a, 'seed'),
      };
    }
    case 'sample_infohashes':
      return { ...common, q: 'sample_infohashes', target: id20(a, 'target'), want: want(a) };
    case 'get':
      return { ...common, q: 'get', target: id20(a, 'target'), seq: a.optInt('seq'), want: want(a) };
    case 'put': {
      const value = a.raw('v');
      if (value === undefined) a.fail('v', 'required value is missing');
      return {
        ...common,
        q: 'put',
        token: token(a, 'token'),
        value,
        k: a.optBytes('k'),
        seq: a.optInt('seq'),
        sig: a.optBytes('sig'),
        salt: a.optBytes('salt'),
        cas: a.optInt('cas'),
      };
    }
    default:
      return {
        ...common,
        q: 'other',
        method: name,
        target: optId20(a, 'target') ?? optId20(a, 'info_hash'),
        want: want(a),
      };
  }
}

function decodeValues(r: DictReader): KrpcAddress[] | undefined {
  const list = r.optList('values');
  if (list === undefined) return undefined;
  if (list.length > MAX_VALUES) r.fail('values', `${list.length} entries exceeds ${MAX_VALUES}`);
  return list.map((item, i) => {
    if (!isBytes(item)) r.fail('values', `entry ${i} is not a byte string`);
    return decodeCompactPeer(item, `${r.fieldPath('values')}[${i}]`);
  });
}

function decodeSamples(r: DictReader): Uint8Array[] | undefined {
  const b = r.optBytes('samples');
  if (b === undefined) return undefined;
  if (b.length % ID_LENGTH !== 0) r.fail('samples', `${b.length} bytes is not a multiple of ${ID_LENGTH}`);
  const out: Uint8Array[] = [];
  for (let off = 0; off < b.length; off += ID_LENGTH) out.push(b.subarray(off, off + ID_LENGTH));
  return out;
}

function decodeResponse(top: DictReader, t: Uint8Array): KrpcResponse {
  const r = top.dictAt('r');
  const nodes = r.optBytes('nodes');
  const nodes6 = r.optBytes('nodes6');
  const body: ResponseBody = {
    id: id20(r, 'id'),
    nodes: nodes === undefined ? undefined : decodeCompactNodes(nodes, 4, r.fieldPath('nodes')),
    nodes6: nodes6 === undefined ? undefined : decodeCompactNodes(nodes6, 6, r.fieldPath('nodes6')),
    token: r.has('token') ? token(r, 'token') : undefined,
    values: decodeValues(r),
    samples: decodeSamples(r),
    num: r.optInt('num'),
    interval: r.optInt('interval'),
    v: r.raw('v'),
    k: r.optBytes('k'),
    seq: r.optInt('seq'),
    sig: r.optBytes('sig'),
  };
  return { y: 'r', t, r: body, v: optVersion(top), ip: compactAddress(top, 'ip') };
}

function decodeError(top: DictReader, t: Uint8Array): KrpcErrorMessage {
  const e = top.list('e');
  const code = e[0];
  const msg = e[1];
  if (typeof code !== 'number') top.fail('e', 'first element is not an integer error code');
  if (msg !== undefined && !isBytes(msg)) top.fail('e', 'second element is not a string');
  const message = msg === undefined ? '' : utf8Lossy.decode(msg.subarray(0, 200));
  return { y: 'e', t, code, message, v: optVersion(top), ip: compactAddress(top, 'ip') };
}

/** Decodes one KRPC datagram. Throws KrpcError for anything that is not a well-formed message. */
export function decodeKrpc(datagram: Uint8Array, opts: KrpcDecodeOptions = {}): KrpcMessage {
  const maxPacket = opts.maxPacket ?? KRPC_MAX_PACKET;
  if (datagram.length > maxPacket) {
    throw new KrpcError('KRPC_TOO_LARGE', `datagram of ${datagram.length} bytes exceeds ${maxPacket}`);
  }
  let value: BValue;
  try {
    // A private copy: decoded byte strings are views, and the caller may reuse its buffer.
    value = decode(datagram.slice(), { strict: true, maxDepth: MAX_DEPTH, maxElements: MAX_ELEMENTS });
  } catch (e) {
    if (e instanceof BencodeError) throw new KrpcError('KRPC_BAD_BENCODE', e.message, { cause: e });
    throw e;
  }
  if (!isDict(value)) throw new KrpcError('KRPC_MALFORMED', 'message is not a dictionary');
  return decodeDict(value);
}

function decodeDict(dict: BDict): KrpcMessage {
  const rawT = dict.get('t');
  const t = isBytes(rawT) && rawT.length <= MAX_TID ? rawT : undefined;
  const rawY = dict.get('y');
  const yText = isBytes(rawY) ? latin1.decode(rawY) : undefined;
  const y = yText === 'q' || yText === 'r' || yText === 'e' ? yText : undefined;
  if (t === undefined) {
    throw new KrpcError('KRPC_MALFORMED', isBytes(rawT) ? `transaction id of ${rawT.length} bytes` : 'missing transaction id', {
      messageType: y,
    });
  }
  if (y === undefined) throw new KrpcError('KRPC_MALFORMED', 'missing or unknown message type "y"', { transactionId: t });
  const top = new DictReader(dict, '', 'KRPC_BAD_FIELD');
  try {
    if (y === 'q') return decodeQuery(top, t);
    if (y === 'r') return decodeResponse(top, t);
    return decodeError(top, t);
  } catch (e) {
    if (e instanceof KrpcError) {
      if (e.transactionId !== undefined) throw e;
      throw new KrpcError(e.code, e.message.replace(/^krpc: /, ''), { transactionId: t, messageType: y, cause: e.cause });
    }
    if (e instanceof Error && 'code' in e && e.code === 'KRPC_BAD_FIELD') bad(e.message, t, y);
    throw e;
  }
}
