// In-memory router: sticky per (service, color, account) while the instance
// is live; otherwise smooth weighted round robin over the live instances of
// the session's color, else of the fallback color. One gate's own view only:
// two gates may place the same account differently (use Redis for that).
import type { PantheonConfig } from '../../common/config/index.js';
import type { ServiceInstance } from '../registry/registry.js';
import { candidatesFor, noCandidatesError, SmoothWeightedRoundRobin } from './candidates.js';
import type { ActiveRoute, RouteDecision, RouteQuery, Router, RouterStats } from './router.js';

export class MemoryRouter implements Router {
  private readonly sticky = new Map<string, string>();
  private readonly spread = new SmoothWeightedRoundRobin();

  constructor(private fallbackColor = '') {}

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
  }

  async close(): Promise<void> {
    this.sticky.clear();
  }
}
