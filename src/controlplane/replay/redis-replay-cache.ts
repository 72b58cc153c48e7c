// Single-use token ids shared by every gate: SET NX with the token's remaining
// lifetime, so a token used on one gate is refused on all of them. If Redis
// cannot answer, the claim fails (the handshake answers SERVER_BUSY): a token
// is never accepted unchecked.
import type { Redis } from '../../common/redis.js';
import { PantheonError, errorMessage } from '../../common/errors.js';
import { redisKeys, type RedisKeys } from '../../routing/redis-keys.js';
import type { ReplayCache } from './replay-cache.js';

export class RedisReplayCache implements ReplayCache {
  private readonly keys: RedisKeys;

  constructor(
    private readonly client: Redis,
    keyPrefix: string,
  ) {
    this.keys = redisKeys(keyPrefix);
  }

  async claim(jti: Uint8Array, expiresAtMs: number): Promise<boolean> {
    // An expired token is refused before its claim; 1 ms keeps SET valid if the clock moved meanwhile.
    const ttlMs = Math.max(1, Math.ceil(expiresAtMs - Date.now()));
    let reply: string | null;
    try {
      reply = await this.client.set(this.keys.tokenId(jti), '1', 'PX', ttlMs, 'NX');
    } catch (error) {
      throw new PantheonError('REPLAY_CACHE_UNAVAILABLE', `Redis did not record the token id (${errorMessage(error)}); the client should retry once Redis at redis.url answers`, { cause: error });
    }
    return reply === 'OK';
  }

  async close(): Promise<void> {
    // The connection belongs to whoever created it.
  }
}
