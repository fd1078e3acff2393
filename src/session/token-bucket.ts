// Global rate limiting: a token bucket refilled from the injected clock. Callers ask how much they
// may send now and, when the answer is zero, when to try again.
import type { Scheduler } from './scheduler.js';

export class TokenBucket {
  private tokens: number;
  private last: number;

  /** `rate` in bytes per second; 0 or Infinity means unlimited. */
  constructor(private readonly clock: Pick<Scheduler, 'now'>, private rate: number, private readonly burstSeconds = 0.5) {
    this.tokens = this.capacity;
    this.last = clock.now();
  }

  get unlimited(): boolean {
    return !(this.rate > 0 && Number.isFinite(this.rate));
  }

  private get capacity(): number {
    return Math.max(this.rate * this.burstSeconds, 64 * 1024);
  }

  setRate(rate: number): void {
    this.rate = rate;
    this.tokens = Math.min(this.tokens, this.capacity);
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  /** Takes `bytes` if available (may go negative by one message, to let whole blocks through). */
  tryTake(bytes: number): boolean {
    if (this.unlimited) return true;
    this.refill();
    if (this.tokens <= 0) return false;
    this.tokens -= bytes;
    return true;
  }

  /** Accounts for bytes that already moved (received data): may leave the bucket in debt. */
  consume(bytes: number): void {
    if (this.unlimited) return;
    this.refill();
    this.tokens -= bytes;
  }

  /** Milliseconds until tokens are positive again. */
  waitMs(): number {
    if (this.unlimited) return 0;
    this.refill();
    return this.tokens > 0 ? 0 : Math.ceil((-this.tokens / this.rate) * 1000) + 1;
  }
}
