// A bare wire-protocol peer for engine tests: a TCP socket, shoal's encoder and decoder, and
// bounded waits on what the other side sent. Tests script exactly the bytes a real client sends.
import { connect, type Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { encodeHandshake, makePeerId, makeReserved, WireDecoder, type PieceMessage, type WireMessage } from '../../src/wire/index.js';

export class RawPeer {
  readonly got: WireMessage[] = [];
  closed = false;
  private readonly decoder = new WireDecoder();

  private constructor(readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      try {
        this.got.push(...this.decoder.push(new Uint8Array(c)));
      } catch {
        socket.destroy();
      }
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
  }

  /** Connects to 127.0.0.1:port and sends a handshake (fast extension on). */
  static async connect(t: TestContext, port: number, infoHash: Uint8Array, idByte = 1): Promise<RawPeer> {
    const socket = connect({ host: '127.0.0.1', port });
    t.after(() => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const p = new RawPeer(socket);
    p.send(encodeHandshake({ reserved: makeReserved({ fast: true, extensionProtocol: true }), infoHash, peerId: makePeerId((n) => new Uint8Array(n).fill(idByte)) }));
    return p;
  }

  send(...msgs: Uint8Array[]): void {
    for (const m of msgs) this.socket.write(m);
  }

  /** Waits until `pred` holds (checked every 10 ms); fails if the connection closes first. */
  async until(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!pred()) {
      if (this.closed) throw new Error(`connection closed while waiting for ${what}`);
      if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  pieces(): PieceMessage[] {
    return this.got.filter((m): m is PieceMessage => m.type === 'piece');
  }
}
