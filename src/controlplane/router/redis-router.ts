// Three-tier routing shared by every gate through Redis: (1) candidates =
// live instances of the session's color (else the fallback color); (2) the
// account's sticky route key, honoured while its instance is a candidate;
// (3) otherwise a smooth-weighted choice claimed with a compare-and-set, so a
// route naming a dead instance is replaced at once and two gates racing for
// one account end on the same instance. While Redis fails, placements are
// decided in memory over the live view (sessions already placed keep their
// route: workers cache it). Keyed modules' objects (rooms) are recorded as
// key -> instance with the route TTL, extended whenever a gate looks one up.
import type { PantheonConfig } from '../../common/config/index.js';
import type { Logger } from '../../common/logger.js';
import { defineRedisScript, pipelineResults, RedisHealth, type Redis, type RedisScript } from '../../common/redis.js';
import { redisKeys, type RedisKeys } from '../../routing/redis-keys.js';
import type { ServiceInstance } from '../registry/registry.js';
import { candidatesFor, noCandidatesError, SmoothWeightedRoundRobin } from './candidates.js';
import { MemoryRouter } from './memory-router.js';
import type { ActiveRoute, KeyQuery, RouteDecision, RouteQuery, Router, RouterStats } from './router.js';

// Sets the route only if it still holds what the caller read ('' = absent).
// Returns {1, new id} on success, {0, current id} when another gate changed it first.
const CLAIM_ROUTE_LUA = `
local current = redis.call('GET', KEYS[1])
if current == false then current = '' end
if current ~= ARGV[1] then return {0, current} end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return {1, ARGV[2]}
`;

// Extends a route the caller still uses, or restores it if Redis lost it
// (restart, eviction); never overwrites a route another gate has replaced.
const KEEP_ROUTE_LUA = `
local current = redis.call('GET', KEYS[1])
if current == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

// Reads an object key's instance and extends it in one round trip.
const READ_KEY_LUA = `
local current = redis.call('GET', KEYS[1])
if current == false then return '' end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return current
`;

// Drops an object key only if it still names the dead instance the caller saw.
const DROP_KEY_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0
`;

// A claim loses only when another gate changed the key between our read and
// our write; each retry starts from the winner's value, so two rounds settle it.
const MAX_CLAIM_ROUNDS = 4;
const KEEPALIVE_BATCH = 1_000;

export interface RedisRouterOptions {
  client: Redis;
  keyPrefix: string;
  routeTtlMs: number;
  fallbackColor: string;
  logger: Logger;
}

export type ClaimResult = { won: true; instanceId: string } | { won: false; current: string };

export class RedisRouter implements Router {
  private readonly keys: RedisKeys;
  private readonly claimScript: RedisScript;
  private readonly keepScript: RedisScript;
  private readonly readKeyScript: RedisScript;
  private readonly dropKeyScript: RedisScript;
  private readonly spread = new SmoothWeightedRoundRobin();
  private readonly outageRouter: MemoryRouter;
  private readonly health: RedisHealth;
  private fallbacks = 0;
  private fallbackColor: string;
  private routeTtlMs: number;

  constructor(private readonly options: RedisRouterOptions) {
    this.fallbackColor = options.fallbackColor;
    this.routeTtlMs = options.routeTtlMs;
    this.keys = redisKeys(options.keyPrefix);
    this.claimScript = defineRedisScript(options.client, 'pantheonClaimRoute', 1, CLAIM_ROUTE_LUA);
    this.keepScript = defineRedisScript(options.client, 'pantheonKeepRoute', 1, KEEP_ROUTE_LUA);
    this.readKeyScript = defineRedisScript(options.client, 'pantheonReadRouteKey', 1, READ_KEY_LUA);
    this.dropKeyScript = defineRedisScript(options.client, 'pantheonDropRouteKey', 1, DROP_KEY_LUA);
    this.outageRouter = new MemoryRouter(options.fallbackColor, options.routeTtlMs);
    this.health = new RedisHealth(options.logger, 'router', 'new sessions are placed in memory over the live view until Redis answers');
  }

  async route(query: RouteQuery, live: ServiceInstance[]): Promise<RouteDecision> {
    const candidates = candidatesFor(query, live, this.fallbackColor);
    if (candidates.length === 0) return { ok: false, error: noCandidatesError(query, this.fallbackColor) };
    let placed: ServiceInstance | null;
    try {
      placed = await this.placeShared(query, candidates);
      this.health.succeeded();
    } catch (error) {
      this.health.failed(error);
      this.fallbacks++;
      return this.outageRouter.routeNow(query, live);
    }
    if (placed) return { ok: true, instance: placed };
    return { ok: false, error: `could not claim a ${query.service} route for account ${query.accountId}: other gates kept changing it; retry` };
  }

  /** Tier 2 then tier 3; null only if the claim kept losing to other gates. */
  private async placeShared(query: RouteQuery, candidates: ServiceInstance[]): Promise<ServiceInstance | null> {
    const key = this.keys.route(query.service, query.color, query.accountId);
    let seen = (await this.options.client.get(key)) ?? '';
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round++) {
      const sticky = seen === '' ? undefined : candidates.find((instance) => instance.id === seen);
      if (sticky) return sticky;
      // Absent, or naming an instance that is no longer live: replace it in place.
      const chosen = this.spread.pick(candidates);
      const claim = await this.claim(key, seen, chosen.id);
      if (claim.won) return chosen;
      seen = claim.current;
    }
    return null;
  }

  async routeKey(query: KeyQuery, live: ServiceInstance[]): Promise<ServiceInstance | null> {
    const key = this.keys.routeKey(query.service, query.key);
    try {
      const instanceId = (await this.readKeyScript.run(key, this.routeTtlMs)) as string;
      this.health.succeeded();
      if (instanceId === '') return null;
      const holder = live.find((instance) => instance.id === instanceId && instance.service === query.service);
      if (!holder) await this.dropKeyScript.run(key, instanceId);
      return holder ?? null;
    } catch (error) {
      this.health.failed(error);
      this.fallbacks++;
      // What this gate learned itself still routes while Redis is away.
      return this.outageRouter.routeKeyNow(query, live);
    }
  }

  async learnKey(query: KeyQuery, instanceId: string): Promise<void> {
    this.outageRouter.learnKeyNow(query, instanceId);
    try {
      await this.options.client.set(this.keys.routeKey(query.service, query.key), instanceId, 'PX', this.routeTtlMs);
      this.health.succeeded();
    } catch (error) {
      this.health.failed(error);
    }
  }

  /** The compare-and-set: `expected` is what the caller read ('' = no route). */
  async claim(key: string, expected: string, instanceId: string): Promise<ClaimResult> {
    const [won, value] = (await this.claimScript.run(key, expected, instanceId, this.routeTtlMs)) as [number, string];
    return won === 1 ? { won: true, instanceId: value } : { won: false, current: value };
  }

  async keepAlive(routes: ActiveRoute[]): Promise<void> {
    for (let start = 0; start < routes.length; start += KEEPALIVE_BATCH) {
      const pipeline = this.options.client.pipeline();
      for (const route of routes.slice(start, start + KEEPALIVE_BATCH)) {
        this.keepScript.queue(pipeline, this.keys.route(route.service, route.color, route.accountId), route.instanceId, this.routeTtlMs);
      }
      try {
        pipelineResults(await pipeline.exec());
        this.health.succeeded();
      } catch (error) {
        this.health.failed(error);
        return; // the next period tries again; the routes' TTL leaves plenty of room
      }
    }
  }

  stats(): RouterStats {
    return { ...this.health.stats(), fallbacks: this.fallbacks };
  }

  reconfigure(settings: PantheonConfig['router']): void {
    this.fallbackColor = settings.fallback_color;
    this.routeTtlMs = settings.route_ttl_ms;
    this.outageRouter.reconfigure(settings);
  }

  async close(): Promise<void> {
    await this.outageRouter.close(); // the connection belongs to whoever created it
  }
}
