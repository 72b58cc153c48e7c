// Player -> gate records in Redis, shared by every gate, Roma and Senate.
// Key <prefix>:player:<account id> is a hash {gate, sessions (hex ids,
// comma-separated)} with a TTL its gate refreshes, so the records of a gate
// that died without cleaning up expire on their own.
import { defineRedisScript, pipelineResults, type Redis, type RedisScript } from '../common/redis.js';
import type { PlayerLocation, PlayerLocator, PlayerPresence } from './player-locator.js';
import { redisKeys, type RedisKeys } from './redis-keys.js';

// KEYS[1] record; ARGV: gate id, remaining sessions ('' = none), ttl ms. Touches the record only while it names this gate.
const RECORD_CLOSED_LUA = `
if redis.call('HGET', KEYS[1], 'gate') ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'sessions', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1
`;

// KEYS[1] record; ARGV: gate id, sessions, ttl ms. Extends this gate's record or restores a lost one; leaves another gate's alone.
const REFRESH_LUA = `
local gate = redis.call('HGET', KEYS[1], 'gate')
if gate and gate ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'gate', ARGV[1], 'sessions', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

const BATCH = 1_000;

export interface RedisPlayerLocatorOptions {
  client: Redis;
  keyPrefix: string;
  /** How long a record outlives its gate's last refresh. */
  ttlMs: number;
}

export class RedisPlayerLocator implements PlayerLocator {
  private readonly keys: RedisKeys;
  private readonly client: Redis;
  private readonly recordClosedScript: RedisScript;
  private readonly refreshScript: RedisScript;

  constructor(private readonly options: RedisPlayerLocatorOptions) {
    this.client = options.client;
    this.keys = redisKeys(options.keyPrefix);
    this.recordClosedScript = defineRedisScript(this.client, 'pantheonPlayerClosed', 1, RECORD_CLOSED_LUA);
    this.refreshScript = defineRedisScript(this.client, 'pantheonPlayerRefresh', 1, REFRESH_LUA);
  }

  async recordOpened(gateId: string, presence: PlayerPresence): Promise<void> {
    const key = this.keys.player(presence.accountId);
    pipelineResults(await this.client.multi().hset(key, { gate: gateId, sessions: presence.sessionIds.join(',') }).pexpire(key, this.options.ttlMs).exec());
  }

  async recordClosed(gateId: string, presence: PlayerPresence): Promise<void> {
    await this.recordClosedScript.run(this.keys.player(presence.accountId), gateId, presence.sessionIds.join(','), this.options.ttlMs);
  }

  async refresh(gateId: string, present: PlayerPresence[]): Promise<void> {
    for (let start = 0; start < present.length; start += BATCH) {
      const pipeline = this.client.pipeline();
      for (const presence of present.slice(start, start + BATCH)) {
        this.refreshScript.queue(pipeline, this.keys.player(presence.accountId), gateId, presence.sessionIds.join(','), this.options.ttlMs);
      }
      pipelineResults(await pipeline.exec());
    }
  }

  async locate(accountIds: readonly bigint[]): Promise<Map<bigint, PlayerLocation>> {
    const found = new Map<bigint, PlayerLocation>();
    for (let start = 0; start < accountIds.length; start += BATCH) {
      const batch = accountIds.slice(start, start + BATCH);
      const pipeline = this.client.pipeline();
      for (const accountId of batch) pipeline.hmget(this.keys.player(accountId), 'gate', 'sessions');
      const replies = pipelineResults(await pipeline.exec()) as [string | null, string | null][];
      replies.forEach(([gateId, sessions], i) => {
        if (gateId) found.set(batch[i], { accountId: batch[i], gateId, sessionIds: sessions ? sessions.split(',') : [] });
      });
    }
    return found;
  }

  async close(): Promise<void> {
    // The connection belongs to whoever created it.
  }
}
