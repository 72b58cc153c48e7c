// Choosing the instance that serves a session. Implementations: memory (the
// embedded default) and, later, Redis three-tier routing. Both honour color
// isolation and stickiness; the control plane owns the one Router of a gate.
import type { ServiceInstance } from '../registry/registry.js';

export interface RouteQuery {
  service: string;
  color: string;
  /** Stickiness key: the same account keeps its instance while that is alive. */
  accountId: bigint;
}

export type RouteDecision = { ok: true; instance: ServiceInstance } | { ok: false; error: string };

export interface Router {
  route(query: RouteQuery, live: ServiceInstance[]): Promise<RouteDecision>;
  close(): Promise<void>;
}
