// The UDP edge of the DHT: a datagram endpoint interface the node talks to, and a demultiplexer
// that lets several protocols share one UDP socket (and so one port). KRPC datagrams are
// bencoded dictionaries and start with 'd'; uTP packets (BEP 29) start with a type/version byte
// (0x01..0x41), so a first-byte test routes them apart. The DHT node never owns an injected
// endpoint: whoever bound the socket closes it.
import { createSocket, type Socket } from 'node:dgram';
import { canonicalHost, familyOf, type Family, type KrpcAddress } from '../../krpc/index.js';

export interface DatagramEndpoint {
  send(data: Uint8Array, to: KrpcAddress): void;
  /** Registers the receiver of this endpoint's datagrams; returns a function that unregisters it. */
  onMessage(handler: (data: Uint8Array, from: KrpcAddress) => void): () => void;
  /** The bound address (canonical host text). */
  address(): KrpcAddress & { family: Family };
}

/** True for datagrams that look like KRPC (a bencoded dictionary). */
export function isKrpcDatagram(data: Uint8Array): boolean {
  return data[0] === 0x64;
}

interface Channel {
  accept: (data: Uint8Array) => boolean;
  handlers: Set<(data: Uint8Array, from: KrpcAddress) => void>;
}

export class UdpDemux {
  private readonly channels: Channel[] = [];
  private closed = false;
  /** Datagrams no channel accepted. */
  unclaimed = 0;
  /** Send failures (unreachable, buffer full); the DHT treats them as lost packets. */
  sendErrors = 0;

  constructor(readonly socket: Socket) {
    socket.on('message', (msg, rinfo) => {
      const host = canonicalHost(rinfo.address);
      if (host === undefined) return;
      const data = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
      const from = { host, port: rinfo.port };
      for (const ch of this.channels) {
        if (!ch.accept(data)) continue;
        for (const h of ch.handlers) h(data, from);
        return;
      }
      this.unclaimed++;
    });
    // An ICMP-triggered error on one send must not take the socket (and the process) down.
    socket.on('error', () => void this.sendErrors++);
  }

  /** Binds a UDP socket (IPv6 sockets are IPv6-only, so a v4 socket can share the port). */
  static bind(host: string, port: number): Promise<UdpDemux> {
    const type = familyOf(host) === 6 ? 'udp6' : 'udp4';
    const socket = createSocket({ type, ipv6Only: type === 'udp6', reuseAddr: false });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve(new UdpDemux(socket));
      });
    });
  }

  /** An endpoint that receives the datagrams `accept` claims (first registered channel wins). */
  channel(accept: (data: Uint8Array) => boolean): DatagramEndpoint {
    const ch: Channel = { accept, handlers: new Set() };
    this.channels.push(ch);
    return {
      send: (data, to) => this.send(data, to),
      onMessage: (h) => {
        ch.handlers.add(h);
        return () => void ch.handlers.delete(h);
      },
      address: () => this.address(),
    };
  }

  send(data: Uint8Array, to: KrpcAddress): void {
    if (this.closed) return;
    this.socket.send(data, to.port, to.host, (err) => {
      if (err) this.sendErrors++;
    });
  }

  address(): KrpcAddress & { family: Family } {
    const a = this.socket.address();
    const host = canonicalHost(a.address) ?? a.address;
    return { host, port: a.port, family: familyOf(host) };
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
