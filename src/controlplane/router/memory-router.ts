// In-memory router: sticky per (service, color, account) while the instance
// is live; otherwise smooth weighted round robin over live instances of the
// session's color, falling back to the default color ("") when none match.
import type { ServiceInstance } from '../registry/registry.js';
import type { RouteDecision, RouteQuery, Router } from './router.js';

export class MemoryRouter implements Router {
  private readonly sticky = new Map<string, string>();
  private readonly currentWeights = new Map<string, number>();

  async route(query: RouteQuery, live: ServiceInstance[]): Promise<RouteDecision> {
    return this.routeNow(query, live);
  }

  routeNow(query: RouteQuery, live: ServiceInstance[]): RouteDecision {
    const candidates = candidatesFor(query, live);
    if (candidates.length === 0) {
      return { ok: false, error: `no live ${query.service} instance for color "${query.color}" or the default color` };
    }
    const key = `${query.service}:${query.color}:${query.accountId}`;
    const stuck = this.sticky.get(key);
    const alive = stuck ? candidates.find((instance) => instance.id === stuck) : undefined;
    if (alive) return { ok: true, instance: alive };
    const chosen = this.smoothWeighted(candidates);
    this.sticky.set(key, chosen.id);
    return { ok: true, instance: chosen };
  }

  /** Forgets stickiness for an account (e.g. when its session ends on this gate). */
  forget(query: RouteQuery): void {
    this.sticky.delete(`${query.service}:${query.color}:${query.accountId}`);
  }

  async close(): Promise<void> {
    this.sticky.clear();
  }

  /** nginx's smooth weighted round robin: even spread, no bursts to one instance. */
  private smoothWeighted(candidates: ServiceInstance[]): ServiceInstance {
    let total = 0;
    let best: ServiceInstance = candidates[0];
    let bestWeight = -Infinity;
    for (const instance of candidates) {
      const weight = Math.max(1, instance.weight);
      total += weight;
      const current = (this.currentWeights.get(instance.id) ?? 0) + weight;
      this.currentWeights.set(instance.id, current);
      if (current > bestWeight) {
        bestWeight = current;
        best = instance;
      }
    }
    this.currentWeights.set(best.id, bestWeight - total);
    return best;
  }
}

export function candidatesFor(query: RouteQuery, live: ServiceInstance[]): ServiceInstance[] {
  const ofService = live.filter((instance) => instance.service === query.service);
  const sameColor = ofService.filter((instance) => instance.color === query.color);
  if (sameColor.length > 0 || query.color === '') return sameColor;
  return ofService.filter((instance) => instance.color === '');
}
