// Counts failed logins per username and per client IP in fixed windows, and
// refuses further attempts while a counter is over its limit. In memory on
// purpose: one Lares process owns its counters, and a restart forgiving a few
// minutes of failures is acceptable. Callers are admitted before hashing, so
// a throttled attacker costs no scrypt work.
import { ThrottledError } from './errors.js';

export interface ThrottleRule {
  max_failures: number;
  window_ms: number;
}

interface Window {
  failures: number;
  endsAtMs: number;
}

/** One counter family (e.g. per IP). */
export class FailureCounter {
  private readonly windows = new Map<string, Window>();
  private nextPruneAtMs = 0;

  constructor(private readonly rule: ThrottleRule) {}

  /** Milliseconds until `key` may try again; 0 when it may try now. */
  retryAfterMs(key: string, nowMs: number): number {
    const window = this.windows.get(key);
    if (!window || window.endsAtMs <= nowMs || window.failures < this.rule.max_failures) return 0;
    return window.endsAtMs - nowMs;
  }

  recordFailure(key: string, nowMs: number): void {
    this.pruneExpired(nowMs);
    const window = this.windows.get(key);
    if (window && window.endsAtMs > nowMs) window.failures += 1;
    else this.windows.set(key, { failures: 1, endsAtMs: nowMs + this.rule.window_ms });
  }

  /** Takes back one failure recorded in advance for an attempt that turned out to succeed. */
  forgive(key: string, nowMs: number): void {
    const window = this.windows.get(key);
    if (window && window.endsAtMs > nowMs && window.failures > 0) window.failures -= 1;
  }

  reset(key: string): void {
    this.windows.delete(key);
  }

  get size(): number {
    return this.windows.size;
  }

  // Bounds memory against a spray of distinct keys: expired windows are dropped at most once per window length.
  private pruneExpired(nowMs: number): void {
    if (nowMs < this.nextPruneAtMs) return;
    this.nextPruneAtMs = nowMs + this.rule.window_ms;
    for (const [key, window] of this.windows) if (window.endsAtMs <= nowMs) this.windows.delete(key);
  }
}

/** The two counters a login consults: the username being attacked and the address attacking. */
export class LoginThrottle {
  private readonly perUsername: FailureCounter;
  private readonly perIp: FailureCounter;

  constructor(rules: { per_username: ThrottleRule; per_ip: ThrottleRule }) {
    this.perUsername = new FailureCounter(rules.per_username);
    this.perIp = new FailureCounter(rules.per_ip);
  }

  /**
   * Admits one attempt or throws ThrottledError with the longer of the two waits.
   * An admitted attempt counts as a failure until `succeeded` says otherwise, so
   * a burst of concurrent guesses cannot all slip past the limit while their
   * hashes are still queued.
   */
  admit(usernameKey: string, ip: string, nowMs: number): void {
    const waitMs = Math.max(this.perUsername.retryAfterMs(usernameKey, nowMs), this.perIp.retryAfterMs(ip, nowMs));
    if (waitMs > 0) throw new ThrottledError(waitMs);
    this.perUsername.recordFailure(usernameKey, nowMs);
    this.perIp.recordFailure(ip, nowMs);
  }

  /**
   * The username's slate is wiped; the IP only gets back this attempt, or one
   * valid account would launder a password spray from that address.
   */
  succeeded(usernameKey: string, ip: string, nowMs: number): void {
    this.perUsername.reset(usernameKey);
    this.perIp.forgive(ip, nowMs);
  }
}
