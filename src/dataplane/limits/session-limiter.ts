// Per-session traffic limits: packets/s and bytes/s token buckets. A packet
// over either is answered RATE_LIMITED; a session that keeps hitting the
// limit (abuse_close_after hits within 10 s) is logged out.
import type { RuntimeSettings } from '../../gen/pantheon/gate/v1/ring.js';
import { TokenBucket } from './token-bucket.js';

export interface SessionLimits {
  packetsPerS: number;
  packetBurst: number;
  bytesPerS: number;
  byteBurst: number;
  abuseCloseAfter: number;
}

const ABUSE_WINDOW_MS = 10_000;

export function limitsFrom(s: RuntimeSettings): SessionLimits {
  return { packetsPerS: s.packetsPerS, packetBurst: s.packetBurst, bytesPerS: s.bytesPerS, byteBurst: s.byteBurst, abuseCloseAfter: s.abuseCloseAfter };
}

export type LimitVerdict = 'ok' | 'limited' | 'abusive';

export class SessionLimiter {
  private readonly packets: TokenBucket;
  private readonly bytes: TokenBucket;
  private strikes = 0;
  private windowStart = 0;

  constructor(private limits: SessionLimits, now: number) {
    this.packets = new TokenBucket(limits.packetsPerS, limits.packetBurst, now);
    this.bytes = new TokenBucket(limits.bytesPerS, limits.byteBurst, now);
  }

  check(byteLength: number, now: number): LimitVerdict {
    if (this.packets.take(1, now) && this.bytes.take(byteLength, now)) return 'ok';
    if (now - this.windowStart > ABUSE_WINDOW_MS) {
      this.windowStart = now;
      this.strikes = 0;
    }
    this.strikes++;
    return this.strikes >= this.limits.abuseCloseAfter ? 'abusive' : 'limited';
  }

  reconfigure(limits: SessionLimits): void {
    this.limits = limits;
    this.packets.reconfigure(limits.packetsPerS, limits.packetBurst);
    this.bytes.reconfigure(limits.bytesPerS, limits.byteBurst);
  }
}
