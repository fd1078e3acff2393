// BEP 10 extensions of a torrent with metadata: serving the info dictionary (BEP 9 ut_metadata)
// and peer exchange (BEP 11 ut_pex). The engine hands every extended message here; this module
// decodes it, answers it, and reports peers learned through PEX. Private torrents (BEP 27) never
// exchange peers.
import type { Metainfo } from '../metainfo/index.js';
import {
  answerMetadataRequest,
  decodeUtMetadata,
  decodeUtPex,
  encodeExtensionHandshake,
  encodeUtMetadata,
  encodeUtPex,
  PexFlag,
  PexState,
  type PexPeer,
} from '../wire/index.js';
import type { PeerAddress } from '../transport/types.js';
import type { PeerState } from './peer-state.js';

/** The ids we want each extension's messages on (the `m` of our extension handshake). */
export const OUR_EXTENSION_IDS = { ut_pex: 1, ut_metadata: 2 } as const;

export interface ExtensionContext {
  readonly metainfo: Metainfo;
  readonly listenPort?: number;
  /** Learned peers (PEX). */
  onPeers(peers: PeerAddress[]): void;
  onWarning(e: Error): void;
}

export class TorrentExtensions {
  private readonly pexEnabled: boolean;

  constructor(private readonly ctx: ExtensionContext) {
    this.pexEnabled = !ctx.metainfo.private;
  }

  /** Payload of our extension handshake (extended message 0). */
  handshake(): Uint8Array {
    const m: Record<string, number> = { ut_metadata: OUR_EXTENSION_IDS.ut_metadata };
    if (this.pexEnabled) m.ut_pex = OUR_EXTENSION_IDS.ut_pex;
    return encodeExtensionHandshake({
      m,
      v: 'shoal 0.1.0',
      reqq: 1000,
      metadataSize: this.ctx.metainfo.infoBytes.length,
      ...(this.ctx.listenPort ? { p: this.ctx.listenPort } : {}),
    });
  }

  /** An extended message on one of our ids. Returns false for an id we never offered. */
  onMessage(peer: PeerState, extendedId: number, payload: Uint8Array): boolean {
    try {
      if (extendedId === OUR_EXTENSION_IDS.ut_metadata) {
        const msg = decodeUtMetadata(payload, { metadataSize: this.ctx.metainfo.infoBytes.length });
        if (msg.type === 'request') {
          const theirId = peer.ext?.m.get('ut_metadata');
          if (theirId) peer.conn.send({ type: 'extended', extendedId: theirId, payload: encodeUtMetadata(answerMetadataRequest(this.ctx.metainfo.infoBytes, msg.piece)) });
        }
        return true;
      }
      if (extendedId === OUR_EXTENSION_IDS.ut_pex) {
        if (!this.pexEnabled) return true;
        const msg = decodeUtPex(payload);
        if (msg.added.length > 0) this.ctx.onPeers(msg.added.map((p) => ({ host: p.host, port: p.port })));
        return true;
      }
    } catch (e) {
      this.ctx.onWarning(new Error(`${peer.address}: ${e instanceof Error ? e.message : String(e)}`));
      return true;
    }
    return false;
  }

  /** Sends each PEX-capable peer what changed in our peer set (at most once a minute each). */
  exchangePeers(peers: Iterable<PeerState>, now: number): void {
    if (!this.pexEnabled) return;
    const all = [...peers];
    const contacts: PexPeer[] = [];
    for (const p of all) {
      const port = p.conn.outgoing ? p.conn.remotePort : p.ext?.p;
      if (port === undefined || port === 0) continue;
      contacts.push({ host: p.conn.remoteIp, port, flags: (p.seed ? PexFlag.seed : 0) | (p.conn.outgoing ? PexFlag.reachable : 0) });
    }
    for (const p of all) {
      const theirId = p.ext?.m.get('ut_pex');
      if (!theirId) continue;
      // Never tell a peer about itself: neither its connection's port nor its listen port.
      const self = (c: PexPeer): boolean => c.host === p.conn.remoteIp && (c.port === p.conn.remotePort || c.port === p.ext?.p);
      p.pex ??= new PexState();
      const msg = p.pex.next(contacts.filter((c) => !self(c)), now);
      if (msg) p.conn.send({ type: 'extended', extendedId: theirId, payload: encodeUtPex(msg) });
    }
  }
}
