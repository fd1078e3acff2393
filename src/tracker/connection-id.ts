// Stateless UDP connection ids (BEP 15 "syn cookies"): id = HMAC-SHA256(secret, window | address |
// port) cut to 63 bits, with the window's parity in the top bit. Only a client that receives
// packets at its source address learns a valid id, so a spoofed source cannot make the tracker
// send announce replies (which are larger than requests) to a victim; and nothing is stored per
// client. The secret rotates every window; ids of the previous window stay valid, so an id lives
// between one and two windows (BEP 15 asks trackers to accept ids for two minutes).
import { createHmac, randomBytes } from 'node:crypto';

export interface ConnectionIdOptions {
  /** Window length in ms (default 120,000). */
  readonly windowMs?: number;
  readonly now?: () => number;
  /** Source of secrets (default crypto.randomBytes). */
  readonly secret?: () => Uint8Array;
  /**
   * With a master key, each window's secret is HMAC(key, window) instead of random: processes of
   * one cluster that share the key accept each other's ids, and the secret still rotates.
   */
  readonly masterKey?: Uint8Array;
}

export class ConnectionIds {
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly newSecret: (w: number) => Uint8Array;
  private window = -1;
  private current: Uint8Array = new Uint8Array(0);
  private previous: Uint8Array = new Uint8Array(0);

  constructor(opts: ConnectionIdOptions = {}) {
    this.windowMs = opts.windowMs ?? 120_000;
    this.now = opts.now ?? Date.now;
    const key = opts.masterKey;
    const random = opts.secret ?? (() => randomBytes(32));
    this.newSecret = key ? (w) => createHmac('sha256', key).update(`window ${w}`).digest() : () => random();
  }

  private rotate(): number {
    const w = Math.floor(this.now() / this.windowMs);
    if (w !== this.window) {
      this.previous = w === this.window + 1 ? this.current : this.newSecret(w - 1);
      this.current = this.newSecret(w);
      this.window = w;
    }
    return w;
  }

  private mac(secret: Uint8Array, w: number, address: string, port: number): Buffer {
    return createHmac('sha256', secret).update(`${w}|${address}|${port}`).digest();
  }

  /** Writes a fresh 8-byte id for this client into `out` at `off`. */
  issue(address: string, port: number, out: Uint8Array, off: number): void {
    const w = this.rotate();
    const d = this.mac(this.current, w, address, port);
    out.set(d.subarray(0, 8), off);
    out[off] = ((out[off] as number) & 0x7f) | ((w & 1) << 7);
  }

  /** Checks the 8-byte id at `buf[off]` for this client. */
  verify(address: string, port: number, buf: Uint8Array, off: number): boolean {
    if (buf.length < off + 8) return false;
    const w = this.rotate();
    const parity = (buf[off] as number) >> 7;
    const useW = parity === (w & 1) ? w : w - 1;
    const d = this.mac(useW === w ? this.current : this.previous, useW, address, port);
    if (((d[0] as number) & 0x7f) !== ((buf[off] as number) & 0x7f)) return false;
    for (let i = 1; i < 8; i++) if (d[i] !== buf[off + i]) return false;
    return true;
  }
}
