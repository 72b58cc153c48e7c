// In-memory router: sticky per (service, color, account) while the instance
// is live; otherwise smooth weighted round robin over the live instances of
// the session's color, else of the fallback color. One gate's own view only:
// two gates may place the same account differently (use Redis for that).
// Object keys (rooms) are remembered for the route TTL after their last use.
import type { PantheonConfig } from '../../common/config/index.js';
import type { ServiceInstance } from '../registry/registry.js';
import { candidatesFor, noCandidatesError, SmoothWeightedRoundRobin } from './candidates.js';
import type { ActiveRoute, KeyQuery, RouteDecision, RouteQuery, Router, RouterStats } from './router.js';

const DEFAULT_ROUTE_TTL_MS = 10 * 60_000;
/** Expired key records are swept every this many learns, so closed rooms do not pile up. */
const KEY_SWEEP_EVERY = 1_024;

interface KeyRecord {
  instanceId: string;
  expiresAt: number;
}

export class MemoryRouter implements Router {
  private readonly sticky = new Map<string, string>();
  private readonly keys = new Map<string, KeyRecord>();
  private readonly spread = new SmoothWeightedRoundRobin();
  private learnsSinceSweep = 0;

  constructor(
    private fallbackColor = '',
    private routeTtlMs = DEFAULT_ROUTE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async route(query: RouteQuery, live: ServiceInstance[]): Promise<RouteDecision> {
    return this.routeNow(query, live);
  }

  routeNow(query: RouteQuery, live: ServiceInstance[]): RouteDecision {
    const candidates = candidatesFor(query, live, this.fallbackColor);
    if (candidates.length === 0) return { ok: false, error: noCandidatesError(query, this.fallbackColor) };
    const key = `${query.service}:${query.color}:${query.accountId}`;
    const stuck = this.sticky.get(key);
    const alive = stuck ? candidates.find((instance) => instance.id === stuck) : undefined;
    if (alive) return { ok: true, instance: alive };
    const chosen = this.spread.pick(candidates);
    this.sticky.set(key, chosen.id);
    return { ok: true, instance: chosen };
  }

  async routeKey(query: KeyQuery, live: ServiceInstance[]): Promise<ServiceInstance | null> {
    return this.routeKeyNow(query, live);
  }

  routeKeyNow(query: KeyQuery, live: ServiceInstance[]): ServiceInstance | null {
    const id = `${query.service}:${query.key}`;
    const record = this.keys.get(id);
    if (!record) return null;
    const now = this.now();
    const holder = record.expiresAt > now ? live.find((instance) => instance.id === record.instanceId && instance.service === query.service) : undefined;
    if (!holder) {
      this.keys.delete(id);
      return null;
    }
    record.expiresAt = now + this.routeTtlMs;
    return holder;
  }

  async learnKey(query: KeyQuery, instanceId: string): Promise<void> {
    this.learnKeyNow(query, instanceId);
  }

  learnKeyNow(query: KeyQuery, instanceId: string): void {
    const now = this.now();
    this.keys.set(`${query.service}:${query.key}`, { instanceId, expiresAt: now + this.routeTtlMs });
    if (++this.learnsSinceSweep < KEY_SWEEP_EVERY) return;
    this.learnsSinceSweep = 0;
    for (const [id, record] of this.keys) if (record.expiresAt <= now) this.keys.delete(id);
  }

  /** Forgets stickiness for an account (e.g. when its session ends on this gate). */
  forget(query: RouteQuery): void {
    this.sticky.delete(`${query.service}:${query.color}:${query.accountId}`);
  }

  async keepAlive(_routes: ActiveRoute[]): Promise<void> {
    // Memory routes live as long as this process; nothing expires.
  }

  stats(): RouterStats {
    return { up: true, fallbacks: 0, errors: 0 };
  }

  reconfigure(settings: PantheonConfig['router']): void {
    this.fallbackColor = settings.fallback_color;
    this.routeTtlMs = settings.route_ttl_ms;
  }

  async close(): Promise<void> {
    this.sticky.clear();
    this.keys.clear();
  }
}
