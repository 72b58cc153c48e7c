// Tier 1 of routing, shared by every Router: which live instances may serve a
// session (its color, else the fallback color), and how to spread new
// sessions over them.
import type { ServiceInstance } from '../registry/registry.js';
import type { RouteQuery } from './router.js';

/** Live instances of the service in the session's color; when there are none, those of `fallbackColor`. */
export function candidatesFor(query: RouteQuery, live: ServiceInstance[], fallbackColor = ''): ServiceInstance[] {
  const ofService = live.filter((instance) => instance.service === query.service);
  const sameColor = ofService.filter((instance) => instance.color === query.color);
  if (sameColor.length > 0 || query.color === fallbackColor) return sameColor;
  return ofService.filter((instance) => instance.color === fallbackColor);
}

export function noCandidatesError(query: RouteQuery, fallbackColor: string): string {
  const fallback = fallbackColor === '' ? 'the default color' : `the fallback color "${fallbackColor}"`;
  return `no live ${query.service} instance for color "${query.color}" or ${fallback}`;
}

/** nginx's smooth weighted round robin: an even spread by weight, no bursts to one instance. */
export class SmoothWeightedRoundRobin {
  private readonly currentWeights = new Map<string, number>();

  pick(candidates: ServiceInstance[]): ServiceInstance {
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
