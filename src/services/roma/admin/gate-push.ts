// Roma's way out to the players' gates: a PushClient whose gate addresses
// come from the registry (config.registry.gate when static, the watched gate
// records with etcd) and whose player locator matches router.kind. Also the
// zone broadcast, which must pick the gates to call.
import type { PantheonConfig } from '../../../common/config/index.js';
import { errorMessage, PantheonError } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import { createRedisClient } from '../../../common/redis.js';
import { watchService, type WatchedService } from '../../../discovery/index.js';
import { MemoryPlayerLocator, type PlayerLocator } from '../../../routing/player-locator.js';
import { PushClient, type PushMessage } from '../../../routing/push-client.js';
import { RedisPlayerLocator } from '../../../routing/redis-player-locator.js';

export interface GatePush {
  readonly client: PushClient;
  /** True when players can be found on any gate (router.kind redis: the gates' player records); false in memory mode. */
  readonly locatesPlayers: boolean;
  /** Every session of `zone` on every gate; with Redis one gate fans it out, in memory mode each gate is called. */
  broadcastToZone(zone: number, message: PushMessage): Promise<{ gates: number; sessions: number }>;
  close(): Promise<void>;
}

export async function startGatePush(config: PantheonConfig, logger: Logger): Promise<GatePush> {
  const watched: WatchedService | null = config.registry.kind === 'etcd' ? await watchService(config, 'gate', logger) : null;
  const gates = (): { id: string; address: string }[] =>
    watched ? watched.list().map((record) => ({ id: record.id, address: record.endpoints.grpc })) : config.registry.gate.map((gate) => ({ id: gate.id, address: gate.grpc_address }));
  const redis = config.router.kind === 'redis' ? createRedisClient({ url: config.redis.url, name: `${config.roma.id}:push`, logger }) : null;
  // In memory mode no gate writes player records anywhere Roma can read, so pushToPlayer finds nobody; broadcasts still work.
  const locator: PlayerLocator = redis
    ? new RedisPlayerLocator({ client: redis, keyPrefix: config.redis.key_prefix, ttlMs: config.router.player_ttl_ms })
    : new MemoryPlayerLocator();
  const client = new PushClient({ locator, gateAddress: (gateId) => gates().find((gate) => gate.id === gateId)?.address });

  return {
    client,
    locatesPlayers: redis !== null,
    async broadcastToZone(zone, message) {
      const known = gates();
      if (known.length === 0) throw new PantheonError('GATE_UNKNOWN', 'no gate is registered (registry.gate or the etcd gate records), so nothing can be broadcast');
      const request = { color: '', zone, ...message };
      if (redis) {
        // One gate publishes to all; try the next one only when a gate cannot be called.
        const failures: string[] = [];
        for (const gate of known) {
          try {
            const response = await client.broadcast(gate.id, request);
            return { gates: response.gates, sessions: response.localSessions };
          } catch (error) {
            failures.push(`${gate.id}: ${errorMessage(error)}`);
          }
        }
        throw new PantheonError('GATE_UNREACHABLE', `no gate took the broadcast (${failures.join('; ')})`);
      }
      const outcomes = await Promise.allSettled(known.map((gate) => client.broadcast(gate.id, request)));
      const reached = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
      if (reached.length === 0) throw new PantheonError('GATE_UNREACHABLE', `no gate took the broadcast: ${outcomes.map((o) => (o.status === 'rejected' ? errorMessage(o.reason) : '')).join('; ')}`);
      return { gates: reached.length, sessions: reached.reduce((sum, response) => sum + response.localSessions, 0) };
    },
    async close() {
      client.close();
      await locator.close();
      redis?.disconnect();
      await watched?.close();
    },
  };
}
