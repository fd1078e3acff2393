// Write tokens (BEP 5): a keyed MAC (HMAC-SHA1, 8 bytes) over the requester's IP with a secret
// that rotates every 5 minutes; tokens made with the current or the previous secret are accepted,
// so a token stays valid for 5 to 10 minutes. Rotation is driven by the times passed in.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ipBytes } from '../../krpc/index.js';
import type { RandomBytes } from './node-id.js';

export const TOKEN_ROTATE_MS = 5 * 60_000;
const TOKEN_LENGTH = 8;

export class TokenManager {
  private current: Uint8Array;
  private previous: Uint8Array;
  private rotatedAt: number;

  constructor(private readonly randomBytes: RandomBytes, now: number, private readonly rotateMs = TOKEN_ROTATE_MS) {
    this.current = randomBytes(20);
    this.previous = randomBytes(20);
    this.rotatedAt = now;
  }

  private rotate(now: number): void {
    if (now - this.rotatedAt < this.rotateMs) return;
    // After a long pause both secrets are too old.
    const steps = Math.min(2, Math.floor((now - this.rotatedAt) / this.rotateMs));
    for (let i = 0; i < steps; i++) {
      this.previous = this.current;
      this.current = this.randomBytes(20);
    }
    this.rotatedAt += Math.floor((now - this.rotatedAt) / this.rotateMs) * this.rotateMs;
  }

  private mac(secret: Uint8Array, host: string): Uint8Array {
    const ip = ipBytes(host) ?? new TextEncoder().encode(host);
    return createHmac('sha1', secret).update(ip).digest().subarray(0, TOKEN_LENGTH);
  }

  /** The token to hand to a requester at `host`. */
  issue(host: string, now: number): Uint8Array {
    this.rotate(now);
    return Uint8Array.from(this.mac(this.current, host));
  }

  /** Whether `token` was issued to `host` within the validity window. */
  verify(token: Uint8Array, host: string, now: number): boolean {
    this.rotate(now);
    if (token.length !== TOKEN_LENGTH) return false;
    return timingSafeEqual(token, this.mac(this.current, host)) || timingSafeEqual(token, this.mac(this.previous, host));
  }
}
