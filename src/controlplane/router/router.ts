// Choosing the instance that serves a session. Implementations: memory (the
// embedded default, one gate's own tables) and Redis (three-tier routing
// shared by every gate). Both honour color isolation and stickiness; the
// control plane owns the one Router of a gate.
import type { PantheonConfig } from '../../common/config/index.js';
import type { ServiceInstance } from '../registry/registry.js';

export interface RouteQuery {
  service: string;
  color: string;
  /** Stickiness key: the same account keeps its instance while that is alive. */
  accountId: bigint;
}

/** An object of a keyed module (gate.keyed_modules), e.g. a room: Packet.obj. */
export interface KeyQuery {
  service: string;
  key: bigint;
}

/** A route an open session of this gate is using. */
export interface ActiveRoute extends RouteQuery {
  instanceId: string;
}

export type RouteDecision = { ok: true; instance: ServiceInstance } | { ok: false; error: string };

export interface RouterStats {
  /** false while the shared store (Redis) is failing. */
  up: boolean;
  /** Placements decided in memory because the shared store failed. */
  fallbacks: number;
  /** Failed calls to the shared store. */
  errors: number;
}

export interface Router {
  route(query: RouteQuery, live: ServiceInstance[]): Promise<RouteDecision>;
  /**
   * The live instance holding object `key`, refreshing its record's TTL;
   * null when unknown (the caller routes by session). A record naming an
   * instance not in `live` (dead or ejected) is dropped: the object died with it.
   */
  routeKey(query: KeyQuery, live: ServiceInstance[]): Promise<ServiceInstance | null>;
  /** A keyed module's response from `instanceId` named object `key`: later requests for it go there. */
  learnKey(query: KeyQuery, instanceId: string): Promise<void>;
  /** Keeps the shared routes of open sessions from expiring (called periodically by the owner). */
  keepAlive(routes: ActiveRoute[]): Promise<void>;
  stats(): RouterStats;
  /** SIGHUP: applies reloadable router settings (fallback color, route TTL). */
  reconfigure?(settings: PantheonConfig['router']): void;
  close(): Promise<void>;
}
