// Test helpers: raw HTTP GETs and UDP exchanges against a tracker on loopback, each bounded in time.
import { createSocket, type Socket } from 'node:dgram';
import { request } from 'node:http';

export async function httpGet(url: string, timeoutMs = 3000): Promise<{ status: number; body: Buffer; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), type: String(res.headers['content-type']) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export class UdpProbe {
  readonly socket: Socket;
  private constructor(socket: Socket) {
    this.socket = socket;
  }

  static async open(host = '127.0.0.1'): Promise<UdpProbe> {
    const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((r) => s.bind(0, host, r));
    return new UdpProbe(s);
  }

  /** Sends and waits for one reply (undefined on timeout). */
  exchange(pkt: Uint8Array, port: number, host = '127.0.0.1', timeoutMs = 500): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.socket.off('message', on);
        resolve(undefined);
      }, timeoutMs);
      const on = (m: Buffer): void => {
        clearTimeout(t);
        this.socket.off('message', on);
        resolve(m);
      };
      this.socket.on('message', on);
      this.socket.send(pkt, port, host);
    });
  }

  close(): void {
    this.socket.close();
  }
}
