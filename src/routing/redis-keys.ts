// Every Redis key and channel Pantheon uses, in one place so docs/operations.md
// and the code cannot drift apart. `prefix` is config.redis.key_prefix.

export interface RedisKeys {
  /** Sticky route: value = instance id. An empty color appears as "" (two colons). */
  route(service: string, color: string, accountId: bigint): string;
  /** Where an object of a keyed module lives (a room): value = instance id, expires with the route TTL after its last use. */
  routeKey(service: string, key: bigint): string;
  /** A used token id: value "1", expires with the token. */
  tokenId(jti: Uint8Array): string;
  /** Which gate holds the player: a hash {gate, sessions}. */
  player(accountId: bigint): string;
  /** Pub/sub channel every gate's control plane listens on for cross-gate broadcasts. */
  broadcastChannel: string;
  /** The world chat history of a zone: a list of encoded ChatMessages, newest last, capped at the channel's history_size. */
  chatWorld(zone: number): string;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    route: (service, color, accountId) => `${prefix}:route:${service}:${color}:${accountId}`,
    routeKey: (service, key) => `${prefix}:route:${service}:key:${key}`,
    tokenId: (jti) => `${prefix}:jti:${Buffer.from(jti).toString('hex')}`,
    player: (accountId) => `${prefix}:player:${accountId}`,
    broadcastChannel: `${prefix}:broadcast`,
    chatWorld: (zone) => `${prefix}:chat:world:${zone}`,
  };
}
