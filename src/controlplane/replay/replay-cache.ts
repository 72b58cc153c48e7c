// Single-use token ids. Implementations: memory (one gate) and Redis (every
// gate; redis-replay-cache.ts). An entry lives exactly as long as its token could be used.

export interface ReplayCache {
  /** Records the id; resolves true if it was not seen before. */
  claim(jti: Uint8Array, expiresAtMs: number): Promise<boolean>;
  close(): Promise<void>;
}

const PURGE_EVERY_MS = 10_000;

export class MemoryReplayCache implements ReplayCache {
  private readonly seen = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => this.purge(Date.now()), PURGE_EVERY_MS);
    this.timer.unref();
  }

  async claim(jti: Uint8Array, expiresAtMs: number): Promise<boolean> {
    const key = Buffer.from(jti).toString('base64');
    const existing = this.seen.get(key);
    if (existing !== undefined && existing > Date.now()) return false;
    this.seen.set(key, expiresAtMs);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.seen.clear();
  }

  private purge(now: number): void {
    for (const [key, expiresAt] of this.seen) if (expiresAt <= now) this.seen.delete(key);
  }
}
