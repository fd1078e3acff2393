// UDP front end of the tracker (BEP 15): connect / announce / scrape / error on one dgram socket.
// Connection ids are stateless MACs (connection-id.ts). Garbage (too short, too long, not a connect
// with the protocol id) is dropped silently; a wrong connection id or a malformed announce gets a
// small error packet, never larger than the request, so the tracker cannot amplify spoofed traffic.
// The fast path reads the packet in place and writes one reply buffer.
import type { RemoteInfo, Socket } from 'node:dgram';
import {
  decodeUdpRequest,
  encodeUdpError,
  encodeUdpScrapeResponse,
  parseIPv4,
  ipToBytes,
  TrackerProtoError,
  UDP_ACTION,
  UDP_MAX_REQUEST,
  type UdpAnnounceRequest,
} from '../tracker-proto/index.js';
import { splitPath } from './access.js';
import type { ConnectionIds } from './connection-id.js';
import type { AnnounceOutcome, ScrapeOutcome, TrackerCore } from './core.js';
import type { Logger } from './log.js';
import type { TrackerMetrics } from './metrics.js';
import { isPromise } from './store.js';

export interface UdpHandlerDeps {
  readonly core: TrackerCore;
  readonly ids: ConnectionIds;
  readonly metrics: TrackerMetrics;
  readonly logger: Logger;
  readonly trustedProxies: ReadonlySet<string>;
}

const PROTO_HI = 0x417;
const PROTO_LO = 0x27101980;
/** Replies stay within one 1500-byte Ethernet frame (minus IPv6 + UDP headers). */
const MAX_REPLY = 1452;

export function createUdpHandler(socket: Socket, d: UdpHandlerDeps): (msg: Buffer, rinfo: RemoteInfo) => void {
  const reply = (b: Uint8Array, rinfo: RemoteInfo): void => {
    socket.send(b, rinfo.port, rinfo.address);
  };
  const error = (tx: number, message: string, rinfo: RemoteInfo, requestLength: number): void => {
    d.metrics.failures.udp++;
    const b = encodeUdpError(tx, message);
    reply(b.length <= requestLength ? b : b.subarray(0, requestLength), rinfo);
  };

  const announceReply = (tx: number, o: AnnounceOutcome, v6: boolean, rinfo: RemoteInfo, reqLen: number): void => {
    if (o.failure !== undefined) {
      error(tx, o.failure, rinfo, reqLen);
      return;
    }
    const peers = v6 ? o.result.peers6 : o.result.peers4;
    const b = Buffer.allocUnsafe(20 + peers.length);
    b.writeUInt32BE(UDP_ACTION.announce, 0);
    b.writeUInt32BE(tx, 4);
    b.writeUInt32BE(Math.min(o.interval, 0xffffffff), 8);
    b.writeUInt32BE(Math.min(o.result.incomplete, 0xffffffff), 12);
    b.writeUInt32BE(Math.min(o.result.complete, 0xffffffff), 16);
    b.set(peers, 20);
    reply(b, rinfo);
  };

  const scrapeReply = (tx: number, o: ScrapeOutcome, rinfo: RemoteInfo, reqLen: number): void => {
    if (o.failure !== undefined) {
      error(tx, o.failure, rinfo, reqLen);
      return;
    }
    reply(encodeUdpScrapeResponse(tx, o.counts.map((c) => ({ seeders: c.complete, completed: c.downloaded, leechers: c.incomplete }))), rinfo);
  };

  return (msg, rinfo) => {
    const len = msg.length;
    if (len < 16 || len > UDP_MAX_REQUEST) {
      d.metrics.dropped++;
      return;
    }
    const action = msg.readUInt32BE(8);
    const tx = msg.readUInt32BE(12);
    if (action === UDP_ACTION.connect) {
      if (msg.readUInt32BE(0) !== PROTO_HI || msg.readUInt32BE(4) !== PROTO_LO) {
        d.metrics.dropped++;
        return;
      }
      d.metrics.connects++;
      const b = Buffer.allocUnsafe(16);
      b.writeUInt32BE(UDP_ACTION.connect, 0);
      b.writeUInt32BE(tx, 4);
      d.ids.issue(rinfo.address, rinfo.port, b, 8);
      reply(b, rinfo);
      return;
    }
    if (action !== UDP_ACTION.announce && action !== UDP_ACTION.scrape) {
      d.metrics.dropped++;
      return;
    }
    if (!d.ids.verify(rinfo.address, rinfo.port, msg, 0)) {
      error(tx, 'connection id expired or invalid: connect again', rinfo, len);
      return;
    }
    let req;
    try {
      req = decodeUdpRequest(msg);
    } catch (e) {
      if (e instanceof TrackerProtoError) error(tx, e.message, rinfo, len);
      else throw e;
      return;
    }
    try {
      if (req.action === 'announce') {
        const { ip, v6 } = sourceIp(rinfo, req, d.trustedProxies);
        const passkey = req.urlData === undefined ? undefined : splitPath(req.urlData.split('?')[0] as string).passkey;
        const maxPeers = Math.floor((MAX_REPLY - 20) / (v6 ? 18 : 6));
        const o = d.core.announce(req, ip, passkey, 'udp', v6 ? 'v6' : 'v4', false, maxPeers);
        if (isPromise(o)) {
          o.then(
            (x) => announceReply(tx, x, v6, rinfo, len),
            (e: unknown) => internal(e, tx, rinfo, len),
          );
        } else announceReply(tx, o, v6, rinfo, len);
      } else if (req.action === 'scrape') {
        const o = d.core.scrape(req.infoHashes, undefined, 'udp');
        if (isPromise(o)) o.then((x) => scrapeReply(tx, x, rinfo, len), (e: unknown) => internal(e, tx, rinfo, len));
        else scrapeReply(tx, o, rinfo, len);
      }
    } catch (e) {
      internal(e, tx, rinfo, len);
    }
  };

  function internal(e: unknown, tx: number, rinfo: RemoteInfo, len: number): void {
    d.logger.log('error', 'udp request failed', { error: e instanceof Error ? e.message : String(e) });
    error(tx, 'internal tracker error', rinfo, len);
  }
}

function sourceIp(
  rinfo: RemoteInfo,
  req: UdpAnnounceRequest,
  trusted: ReadonlySet<string>,
): { ip: Uint8Array; v6: boolean } {
  let addr = rinfo.address;
  if (rinfo.family === 'IPv6' && addr.startsWith('::ffff:') && addr.includes('.')) addr = addr.slice(7);
  const v4 = parseIPv4(addr);
  if (v4 && req.ip !== undefined && trusted.has(addr)) return { ip: parseIPv4(req.ip) ?? v4, v6: false };
  if (v4) return { ip: v4, v6: false };
  return { ip: ipToBytes(addr), v6: true };
}
