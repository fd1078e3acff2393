// A scripted hostile BitTorrent peer for tests (BEP 3 wire protocol, BEP 6 fast extension),
// built on shoal's own wire encoder and decoder. It listens on a loopback address of its own
// (127.0.0.2 by default, so that banning it by IP never touches honest peers on 127.0.0.1),
// answers any handshake for its info hash, and then misbehaves in one scripted way:
//   corrupt    claims every piece and answers requests with wrong bytes (a real block with its
//              first byte flipped when a data source is given, else a fixed pattern);
//   poison     claims every piece, sends a corrupt first block of each piece it is asked for
//              and rejects every other request, so each piece it touches must be completed by
//              someone else: the failed pieces always have an honest co-sender;
//   liar       claims every piece, unchokes, and then never delivers (or rejects every request);
//   oversized  after the handshake sends a length prefix far above any sane message limit;
//   mute       completes the handshake and then says nothing at all, ever.
// It counts what happened so a test can tell whether the victim kept talking to it.
import { createServer, type Server, type Socket } from 'node:net';
import {
  encodeBitfield,
  encodeHandshake,
  encodeHaveAll,
  encodePiece,
  encodeReject,
  encodeUnchoke,
  makePeerId,
  makeReserved,
  supportsFast,
  WireDecoder,
  type WireMessage,
} from '../../../src/wire/index.js';
import type { CleanupScope } from './tools.js';

export type HostileBehaviour = 'corrupt' | 'poison' | 'liar' | 'liar-reject' | 'oversized' | 'mute';

export interface HostilePeerOptions {
  readonly behaviour: HostileBehaviour;
  /** Info hash expected in (and echoed by) the handshake; 20 bytes. */
  readonly infoHash: Uint8Array;
  readonly pieceCount: number;
  /** Listen address (default 127.0.0.2); any 127.0.0.0/8 address works on Linux. */
  readonly host?: string;
  /** Offer the fast extension (default true; 'liar-reject' needs it). */
  readonly fast?: boolean;
  /** corrupt: the true bytes of a block, to be served with one byte flipped. */
  readonly source?: (piece: number, begin: number, length: number) => Uint8Array | Promise<Uint8Array>;
}

export interface HostileStats {
  /** Connections accepted. */
  connections: number;
  /** Handshakes that named our info hash. */
  handshakes: number;
  requests: number;
  blocksSent: number;
  rejectsSent: number;
  /** Remote addresses of accepted connections, in order. */
  remotes: string[];
  /** Connections the victim closed (or that failed). */
  closed: number;
}

export class HostilePeer {
  readonly stats: HostileStats = { connections: 0, handshakes: 0, requests: 0, blocksSent: 0, rejectsSent: 0, remotes: [], closed: 0 };
  private readonly sockets = new Set<Socket>();
  private readonly peerId = makePeerId((n) => new Uint8Array(n).fill(0x68), '-HX0001-');

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
    private readonly opts: HostilePeerOptions,
  ) {}

  /** Starts listening; the peer is closed when `scope` ends. */
  static async start(scope: CleanupScope | undefined, opts: HostilePeerOptions): Promise<HostilePeer> {
    const host = opts.host ?? '127.0.0.2';
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port: 0 }, () => resolve());
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    const peer = new HostilePeer(server, host, port, opts);
    server.on('connection', (s: Socket) => peer.onConnection(s));
    scope?.after(() => peer.close());
    return peer;
  }

  /** "HOST:PORT" to hand to the victim. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** Connections open right now. */
  get open(): number {
    return this.sockets.size;
  }

  /** Connections accepted from `ip` so far, and how many of them are still open. */
  from(ip: string): { connections: number; open: number } {
    let open = 0;
    for (const s of this.sockets) if (s.remoteAddress === ip) open++;
    return { connections: this.stats.remotes.filter((r) => r.slice(0, r.lastIndexOf(':')) === ip).length, open };
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(s: Socket): void {
    this.stats.connections++;
    this.stats.remotes.push(`${s.remoteAddress ?? '?'}:${s.remotePort ?? 0}`);
    this.sockets.add(s);
    s.setNoDelay(true);
    s.on('error', () => {});
    s.on('close', () => {
      this.sockets.delete(s);
      this.stats.closed++;
    });
    const decoder = new WireDecoder();
    let theirFast = false;
    s.on('data', (chunk: Buffer) => {
      let msgs: WireMessage[];
      try {
        msgs = decoder.push(new Uint8Array(chunk));
      } catch {
        s.destroy();
        return;
      }
      for (const m of msgs) {
        if (m.type === 'handshake') {
          if (!equal(m.infoHash, this.opts.infoHash)) {
            s.destroy();
            return;
          }
          theirFast = supportsFast(m.reserved);
          this.stats.handshakes++;
          this.greet(s, theirFast);
        } else {
          void this.onMessage(s, m, theirFast);
        }
      }
    });
  }

  private greet(s: Socket, theirFast: boolean): void {
    const ourFast = this.opts.fast ?? true;
    s.write(encodeHandshake({ reserved: makeReserved({ fast: ourFast }), infoHash: this.opts.infoHash, peerId: this.peerId }));
    const b = this.opts.behaviour;
    if (b === 'mute') return;
    if (b === 'oversized') {
      // 0x7fffffff bytes announced, a few sent: a decoder that allocates first would try 2 GiB.
      s.write(new Uint8Array([0x7f, 0xff, 0xff, 0xff, 7, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]));
      return;
    }
    s.write(ourFast && theirFast ? encodeHaveAll() : encodeBitfield(fullBitfield(this.opts.pieceCount)));
  }

  private async onMessage(s: Socket, m: WireMessage, theirFast: boolean): Promise<void> {
    const b = this.opts.behaviour;
    if (b === 'mute' || b === 'oversized') return;
    if (m.type === 'interested') {
      s.write(encodeUnchoke());
      return;
    }
    if (m.type !== 'request') return;
    this.stats.requests++;
    if (b === 'liar') return;
    const fast = (this.opts.fast ?? true) && theirFast;
    if (b === 'liar-reject' || (b === 'poison' && m.begin !== 0)) {
      if (fast) {
        s.write(encodeReject(m.index, m.begin, m.length));
        this.stats.rejectsSent++;
      }
      return;
    }
    // corrupt, or poison's first block
    let block: Uint8Array;
    if (this.opts.source) {
      block = Uint8Array.from(await this.opts.source(m.index, m.begin, m.length));
      block[0] = (block[0] ?? 0) ^ 0xff;
    } else {
      block = new Uint8Array(m.length).fill(0xa5);
    }
    if (s.destroyed) return;
    s.write(encodePiece(m.index, m.begin, block));
    this.stats.blocksSent++;
  }
}

function fullBitfield(pieceCount: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(pieceCount / 8)).fill(0xff);
  const spare = out.length * 8 - pieceCount;
  if (spare > 0) out[out.length - 1] = (0xff << spare) & 0xff;
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
