// Builds the gate's shared-state components from config.router.kind: the
// Router, the token ReplayCache, the player -> gate records and the broadcast
// bus. memory: this gate's own tables (the embedded default). redis: shared
// by every gate through redis.url, with one commands connection and one
// subscriber connection per gate. gate.ts uses only the interfaces.
import type { PantheonConfig } from '../common/config/index.js';
import type { Logger } from '../common/logger.js';
import { closeRedis, createRedisClient, createRedisSubscriber, waitUntilReady, type Redis, type RedisHealthStats } from '../common/redis.js';
import { MemoryPlayerLocator, type PlayerLocator } from '../routing/player-locator.js';
import { redisKeys } from '../routing/redis-keys.js';
import { RedisPlayerLocator } from '../routing/redis-player-locator.js';
import { PlayerRecords } from './player-records.js';
import { LocalBroadcastBus, RedisBroadcastBus, type BroadcastBus, type BroadcastHandler } from './push/broadcast-bus.js';
import type { ServiceInstance } from './registry/registry.js';
import { RedisReplayCache } from './replay/redis-replay-cache.js';
import { MemoryReplayCache, type ReplayCache } from './replay/replay-cache.js';
import { MemoryRouter } from './router/memory-router.js';
import { RedisRouter } from './router/redis-router.js';
import type { Router, RouterStats } from './router/router.js';
import type { SessionDirectory } from './session-directory.js';

// A gate starts even when Redis is down (routing falls back, handshakes answer SERVER_BUSY); it waits this long first.
const REDIS_STARTUP_WAIT_MS = 2_000;

export interface GateRoutingStats {
  kind: 'memory' | 'redis';
  router: RouterStats;
  player_records: RedisHealthStats;
}

export interface GateRoutingDeps {
  directory: SessionDirectory;
  /** The instances routes may point at now; routes of others are not kept alive. */
  liveInstances(): ServiceInstance[];
  deliverBroadcast: BroadcastHandler;
}

export interface GateRouting {
  router: Router;
  replay: ReplayCache;
  /** Starts the player records, the route keep-alive and the broadcast subscription. */
  start(deps: GateRoutingDeps): Promise<BroadcastBus>;
  stats(): GateRoutingStats;
  /** SIGHUP: new fallback color and route TTL (the keep-alive period follows the TTL). */
  reconfigure(settings: PantheonConfig['router']): void;
  close(): Promise<void>;
}

export async function createGateRouting(config: PantheonConfig, logger: Logger): Promise<GateRouting> {
  const gateId = config.gate.id;
  const { router: routerConfig } = config;
  if (routerConfig.kind === 'memory') {
    return assemble({ kind: 'memory', gateId, logger, router: new MemoryRouter(routerConfig.fallback_color), replay: new MemoryReplayCache(), locator: new MemoryPlayerLocator() }, routerConfig, (deliver) => Promise.resolve(new LocalBroadcastBus(gateId, deliver)));
  }
  const client = createRedisClient({ url: config.redis.url, name: `${gateId}:commands`, logger });
  if (!(await waitUntilReady(client, REDIS_STARTUP_WAIT_MS))) {
    logger.warn({ event: 'redis_not_ready' }, `Redis at redis.url did not answer within ${REDIS_STARTUP_WAIT_MS} ms; starting anyway: new sessions are placed in memory and handshakes answer SERVER_BUSY until it does`);
  }
  const prefix = config.redis.key_prefix;
  const router = new RedisRouter({ client, keyPrefix: prefix, routeTtlMs: routerConfig.route_ttl_ms, fallbackColor: routerConfig.fallback_color, logger });
  const connections: Redis[] = [client];
  const routing = assemble(
    { kind: 'redis', gateId, logger, router, replay: new RedisReplayCache(client, prefix), locator: new RedisPlayerLocator({ client, keyPrefix: prefix, ttlMs: routerConfig.player_ttl_ms }) },
    routerConfig,
    (deliver) => {
      const subscriber = createRedisSubscriber({ url: config.redis.url, name: `${gateId}:broadcasts`, logger });
      connections.push(subscriber);
      return RedisBroadcastBus.start({ gateId, channel: redisKeys(prefix).broadcastChannel, publisher: client, subscriber, logger, deliver });
    },
  );
  return {
    ...routing,
    async close() {
      await routing.close();
      await Promise.all(connections.map((connection) => closeRedis(connection)));
    },
  };
}

interface Parts {
  kind: 'memory' | 'redis';
  gateId: string;
  logger: Logger;
  router: Router;
  replay: ReplayCache;
  locator: PlayerLocator;
}

function assemble(parts: Parts, routerConfig: PantheonConfig['router'], openBus: (deliver: BroadcastHandler) => Promise<BroadcastBus>): GateRouting {
  let settings = routerConfig;
  let records: PlayerRecords | null = null;
  let bus: BroadcastBus | null = null;
  let keepAliveTimer: NodeJS.Timeout | null = null;
  let closed = false;

  // Every third of the TTL, read when scheduled, so a reloaded TTL takes effect at the next round.
  const scheduleKeepAlive = (deps: GateRoutingDeps) => {
    keepAliveTimer = setTimeout(() => {
      const live = new Set(deps.liveInstances().map((instance) => instance.id));
      parts.router
        .keepAlive(deps.directory.activeRoutes().filter((route) => live.has(route.instanceId)))
        .catch((error: unknown) => parts.logger.error({ event: 'route_keepalive_failed', err: error }, 'could not keep the routes of open sessions alive'))
        .finally(() => {
          if (!closed) scheduleKeepAlive(deps);
        });
    }, Math.floor(settings.route_ttl_ms / 3));
    keepAliveTimer.unref();
  };

  return {
    router: parts.router,
    replay: parts.replay,
    async start(deps) {
      records = new PlayerRecords({ gateId: parts.gateId, locator: parts.locator, directory: deps.directory, ttlMs: settings.player_ttl_ms, logger: parts.logger });
      records.start();
      scheduleKeepAlive(deps);
      bus = await openBus(deps.deliverBroadcast);
      return bus;
    },
    stats: () => ({ kind: parts.kind, router: parts.router.stats(), player_records: records?.stats() ?? { up: true, errors: 0 } }),
    reconfigure(next) {
      settings = next;
      parts.router.reconfigure?.(next);
    },
    async close() {
      closed = true;
      records?.stop();
      if (keepAliveTimer) clearTimeout(keepAliveTimer);
      await Promise.all([parts.router.close(), parts.replay.close(), parts.locator.close(), bus?.close()]);
    },
  };
}
