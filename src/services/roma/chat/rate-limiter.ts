// Token buckets for chat: one per player and channel, refilled at the
// channel's rate_per_s up to its burst. Kept in this instance's memory only:
// a player whose route moves to another instance starts with a full bucket,
// which at worst allows one extra burst.

export interface RateRule {
  readonly rate_per_s: number;
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

/** Above this many buckets, a take() first drops the ones that have refilled (they equal a missing bucket). */
const SWEEP_ABOVE = 10_000;

export class ChatRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** Takes one message's token for `playerId` on `channel`; false when the bucket is empty (nothing taken). */
  take(playerId: bigint, channel: string, rule: RateRule, nowMs: number): boolean {
    if (this.buckets.size > SWEEP_ABOVE) this.sweep(nowMs);
    const key = `${playerId}:${channel}`;
    const bucket = this.buckets.get(key) ?? { tokens: rule.burst, atMs: nowMs };
    bucket.tokens = Math.min(rule.burst, bucket.tokens + (Math.max(0, nowMs - bucket.atMs) / 1000) * rule.rate_per_s);
    bucket.atMs = nowMs;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  private sweep(nowMs: number): void {
    // The rule is not at hand here, so "refilled" is judged generously: idle for a minute.
    for (const [key, bucket] of this.buckets) if (nowMs - bucket.atMs > 60_000) this.buckets.delete(key);
  }
}
