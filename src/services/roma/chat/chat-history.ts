// The last messages of each zone's world channel, for players who join late.
// With router.kind redis every Roma instance of the zone shares one capped
// list in Redis (`<redis.key_prefix>:chat:world:<zone>`); in memory mode each
// instance keeps its own. Private messages are never kept.
import type { Logger } from '../../../common/logger.js';
import { closeRedis, createRedisClient, type Redis } from '../../../common/redis.js';
import { ChatMessage } from '../../../gen/pantheon/game/v1/chat.js';
import { redisKeys } from '../../../routing/redis-keys.js';

export interface ChatHistory {
  /** Adds `message` to the zone's world history and keeps only the newest `size`. */
  append(zone: number, message: ChatMessage, size: number): Promise<void>;
  /** The newest `size` messages of the zone, oldest first. */
  recent(zone: number, size: number): Promise<ChatMessage[]>;
  close(): Promise<void>;
}

export class MemoryChatHistory implements ChatHistory {
  private readonly zones = new Map<number, ChatMessage[]>();

  async append(zone: number, message: ChatMessage, size: number): Promise<void> {
    const kept = this.zones.get(zone) ?? [];
    kept.push(message);
    if (kept.length > size) kept.splice(0, kept.length - size);
    this.zones.set(zone, kept);
  }

  async recent(zone: number, size: number): Promise<ChatMessage[]> {
    return size <= 0 ? [] : (this.zones.get(zone) ?? []).slice(-size);
  }

  async close(): Promise<void> {
    this.zones.clear();
  }
}

export class RedisChatHistory implements ChatHistory {
  private readonly keys;

  constructor(private readonly client: Redis, keyPrefix: string) {
    this.keys = redisKeys(keyPrefix);
  }

  async append(zone: number, message: ChatMessage, size: number): Promise<void> {
    const key = this.keys.chatWorld(zone);
    if (size <= 0) return;
    // One MULTI, so the list never stays over its cap between the two commands.
    const results = await this.client.multi().rpush(key, Buffer.from(ChatMessage.encode(message).finish())).ltrim(key, -size, -1).exec();
    const failed = results?.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  }

  async recent(zone: number, size: number): Promise<ChatMessage[]> {
    if (size <= 0) return [];
    const entries = await this.client.lrangeBuffer(this.keys.chatWorld(zone), -size, -1);
    return entries.map((entry) => ChatMessage.decode(entry));
  }

  async close(): Promise<void> {
    await closeRedis(this.client);
  }
}

/** Redis-shared history when the cluster routes through Redis, this instance's memory otherwise. */
export function openChatHistory(config: { router: { kind: string }; redis: { url: string; key_prefix: string }; roma: { id: string } }, logger: Logger): ChatHistory {
  if (config.router.kind !== 'redis') return new MemoryChatHistory();
  return new RedisChatHistory(createRedisClient({ url: config.redis.url, name: `${config.roma.id}:chat`, logger }), config.redis.key_prefix);
}
