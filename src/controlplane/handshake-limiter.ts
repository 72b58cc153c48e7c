// Handshakes per client address, across every worker of the gate: checked
// when a worker asks to claim a token, so the limit is exact gate-wide and
// costs no extra round trip. Idle buckets are forgotten so the table holds
// only addresses seen in the last minute.
import { TokenBucket } from '../dataplane/limits/token-bucket.js';

const FORGET_AFTER_MS = 60_000;

export class HandshakeLimiter {
  private readonly buckets = new Map<string, { bucket: TokenBucket; lastUsed: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(private limits: () => { rate_per_s: number; burst: number }) {
    this.timer = setInterval(() => this.forgetIdle(Date.now()), FORGET_AFTER_MS);
    this.timer.unref();
  }

  allow(address: string, now = Date.now()): boolean {
    let entry = this.buckets.get(address);
    const { rate_per_s, burst } = this.limits();
    if (!entry) {
      entry = { bucket: new TokenBucket(rate_per_s, burst, now), lastUsed: now };
      this.buckets.set(address, entry);
    } else {
      entry.bucket.reconfigure(rate_per_s, burst);
    }
    entry.lastUsed = now;
    return entry.bucket.take(1, now);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private forgetIdle(now: number): void {
    for (const [address, entry] of this.buckets) if (now - entry.lastUsed > FORGET_AFTER_MS) this.buckets.delete(address);
  }
}
