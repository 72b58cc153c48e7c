// A token bucket: `rate` tokens per second up to `burst`. Allocation-free;
// callers pass the clock so one Date.now() serves many checks.

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(private rate: number, private burst: number, now: number) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  /** Takes `amount` tokens if available. */
  take(amount: number, now: number): boolean {
    const elapsed = now - this.updatedAt;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.rate) / 1000);
      this.updatedAt = now;
    }
    if (this.tokens < amount) return false;
    this.tokens -= amount;
    return true;
  }

  /** Applies reloaded limits without refilling (an abuser gains nothing from a reload). */
  reconfigure(rate: number, burst: number): void {
    this.rate = rate;
    this.burst = burst;
    this.tokens = Math.min(this.tokens, burst);
  }
}
