// The Redis router, replay cache and player records against a real
// redis-server: the compare-and-set, stickiness, dead-route replacement,
// keep-alive, and what happens while Redis is down.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, createRedisClient, waitUntilReady, type Redis } from '../../src/common/redis.js';
import type { ServiceInstance } from '../../src/controlplane/registry/registry.js';
import { RedisReplayCache } from '../../src/controlplane/replay/redis-replay-cache.js';
import { RedisRouter } from '../../src/controlplane/router/redis-router.js';
import { RedisPlayerLocator } from '../../src/routing/redis-player-locator.js';
import { startRedis, type TestRedis } from '../harness/redis.js';

const logger = pino({ level: 'silent' });
const instance = (id: string, color = '', weight = 100): ServiceInstance => ({ id, service: 'roma', grpcAddress: '127.0.0.1:1', color, weight });
const live = [instance('a'), instance('b'), instance('blue-1', 'blue')];
const roomInstance = (id: string): ServiceInstance => ({ ...instance(id), service: 'room' });
const TTL_MS = 60_000;

describe('Redis routing state', () => {
  let redis: TestRedis;
  const clients: Redis[] = [];
  let prefixCounter = 0;

  const client = async () => {
    const created = createRedisClient({ url: redis.url, name: `test-${clients.length}`, logger });
    clients.push(created);
    expect(await waitUntilReady(created, 5_000)).toBe(true);
    return created;
  };
  /** Two routers on separate connections = two gates; a fresh key prefix isolates each test. */
  const gates = async (count = 2) => {
    const keyPrefix = `t${prefixCounter++}`;
    const routers: RedisRouter[] = [];
    for (let i = 0; i < count; i++) routers.push(new RedisRouter({ client: await client(), keyPrefix, routeTtlMs: TTL_MS, fallbackColor: '', logger }));
    return { keyPrefix, routers, redis: clients[clients.length - 1] };
  };
  const chosen = async (router: RedisRouter, accountId: bigint, color = '', view = live) => {
    const decision = await router.route({ service: 'roma', color, accountId }, view);
    if (!decision.ok) throw new Error(decision.error);
    return decision.instance.id;
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => closeRedis(c)));
    await redis?.dispose();
  });

  it('lets exactly one of two concurrent claimers win the compare-and-set, and tells the loser the winner', async () => {
    const { routers, keyPrefix } = await gates();
    for (let round = 0; round < 20; round++) {
      const key = `${keyPrefix}:route:roma::${round}`;
      const [first, second] = await Promise.all([routers[0].claim(key, '', 'a'), routers[1].claim(key, '', 'b')]);
      const winners = [first, second].filter((claim) => claim.won);
      expect(winners).toHaveLength(1);
      const winner = winners[0].won ? winners[0].instanceId : '';
      const loser = first.won ? second : first;
      expect(loser).toEqual({ won: false, current: winner });
    }
  });

  it('replaces a dead route in place: of two claimers moving it from the dead id, one wins', async () => {
    const { routers, keyPrefix, redis: raw } = await gates();
    const key = `${keyPrefix}:route:roma::1`;
    await raw.set(key, 'dead', 'PX', TTL_MS);
    const [first, second] = await Promise.all([routers[0].claim(key, 'dead', 'a'), routers[1].claim(key, 'dead', 'b')]);
    expect([first.won, second.won].sort()).toEqual([false, true]);
    expect(await raw.get(key)).toBe(first.won ? 'a' : 'b');
    // A claim that still expects the dead id now fails instead of overwriting the new route.
    expect(await routers[0].claim(key, 'dead', 'a')).toEqual({ won: false, current: first.won ? 'a' : 'b' });
  });

  it('puts two gates racing for the same accounts on the same instance', async () => {
    const { routers, keyPrefix, redis: raw } = await gates();
    const accounts = Array.from({ length: 40 }, (_, i) => BigInt(1000 + i));
    const results = await Promise.all(accounts.map((account) => Promise.all(routers.map((router) => chosen(router, account)))));
    for (const [index, [onFirst, onSecond]] of results.entries()) {
      expect(onFirst).toBe(onSecond);
      expect(await raw.get(`${keyPrefix}:route:roma::${accounts[index]}`)).toBe(onFirst);
    }
    expect(new Set(results.map(([id]) => id))).toEqual(new Set(['a', 'b'])); // spread, not all on one
  });

  it('honours a sticky route while its instance is live and sets the TTL', async () => {
    const { routers, keyPrefix, redis: raw } = await gates(1);
    await raw.set(`${keyPrefix}:route:roma::7`, 'b', 'PX', TTL_MS);
    for (let i = 0; i < 5; i++) expect(await chosen(routers[0], 7n)).toBe('b');
    await chosen(routers[0], 8n);
    const ttl = await raw.pttl(`${keyPrefix}:route:roma::8`);
    expect(ttl).toBeGreaterThan(TTL_MS - 5_000);
  });

  it('replaces a route naming an instance missing from the live view without waiting for its TTL', async () => {
    const { routers, keyPrefix, redis: raw } = await gates(2);
    const key = `${keyPrefix}:route:roma::9`;
    await raw.set(key, 'a', 'PX', TTL_MS);
    const withoutA = live.filter((i) => i.id !== 'a');
    const [onFirst, onSecond] = await Promise.all(routers.map((router) => chosen(router, 9n, '', withoutA)));
    expect(onFirst).toBe('b');
    expect(onSecond).toBe('b');
    expect(await raw.get(key)).toBe('b');
  });

  it('keeps colors apart, uses the fallback color, and refuses when neither has an instance', async () => {
    const { routers, keyPrefix, redis: raw } = await gates(1);
    expect(await chosen(routers[0], 11n, 'blue')).toBe('blue-1');
    expect(await raw.get(`${keyPrefix}:route:roma:blue:11`)).toBe('blue-1');
    expect(['a', 'b']).toContain(await chosen(routers[0], 12n, 'green'));
    const green = new RedisRouter({ client: await client(), keyPrefix, routeTtlMs: TTL_MS, fallbackColor: 'blue', logger });
    expect(await chosen(green, 13n, 'green')).toBe('blue-1');
    expect(await green.route({ service: 'roma', color: 'green', accountId: 14n }, [instance('a')])).toEqual({
      ok: false,
      error: 'no live roma instance for color "green" or the fallback color "blue"',
    });
  });

  it('keeps open sessions\' routes alive, restores lost ones, and leaves replaced ones alone', async () => {
    const { routers, keyPrefix, redis: raw } = await gates(1);
    await raw.set(`${keyPrefix}:route:roma::21`, 'a', 'PX', 1_000);
    await raw.set(`${keyPrefix}:route:roma::22`, 'b', 'PX', 1_000); // another gate moved 22 to b
    await routers[0].keepAlive([
      { service: 'roma', color: '', accountId: 21n, instanceId: 'a' },
      { service: 'roma', color: '', accountId: 22n, instanceId: 'a' },
      { service: 'roma', color: '', accountId: 23n, instanceId: 'b' }, // lost (e.g. Redis restarted)
    ]);
    expect(await raw.pttl(`${keyPrefix}:route:roma::21`)).toBeGreaterThan(TTL_MS - 5_000);
    expect(await raw.get(`${keyPrefix}:route:roma::22`)).toBe('b');
    expect(await raw.pttl(`${keyPrefix}:route:roma::22`)).toBeLessThanOrEqual(1_000);
    expect(await raw.get(`${keyPrefix}:route:roma::23`)).toBe('b');
  });

  it('routes an object key to the instance one gate learned, for every gate, and drops it when that instance is gone', async () => {
    const { keyPrefix, routers, redis: raw } = await gates();
    const [gateA, gateB] = routers;
    const rooms = [roomInstance('room-1'), roomInstance('room-2')];
    const room = { service: 'room', key: (1n << 40n) | 5n };
    expect(await gateB.routeKey(room, rooms)).toBeNull(); // unknown: the caller routes by session
    await gateA.learnKey(room, 'room-1');
    expect(await raw.get(`${keyPrefix}:route:room:key:${room.key}`)).toBe('room-1');
    await raw.pexpire(`${keyPrefix}:route:room:key:${room.key}`, 5_000);
    expect((await gateB.routeKey(room, rooms))?.id).toBe('room-1');
    expect(await raw.pttl(`${keyPrefix}:route:room:key:${room.key}`)).toBeGreaterThan(TTL_MS - 5_000); // a lookup refreshes it
    expect(await gateB.routeKey({ service: 'roma', key: room.key }, live)).toBeNull(); // keys are per service
    // room-1 died (or was ejected): the room is gone with it.
    expect(await gateB.routeKey(room, [roomInstance('room-2')])).toBeNull();
    expect(await raw.exists(`${keyPrefix}:route:room:key:${room.key}`)).toBe(0);
  });

  it('refuses a token id seen by another gate, and expires it with the token', async () => {
    const keyPrefix = `t${prefixCounter++}`;
    const [onA, onB] = [new RedisReplayCache(await client(), keyPrefix), new RedisReplayCache(await client(), keyPrefix)];
    const jti = Uint8Array.from([1, 2, 3, 4]);
    expect(await onA.claim(jti, Date.now() + 30_000)).toBe(true);
    expect(await onB.claim(jti, Date.now() + 30_000)).toBe(false);
    const ttl = await clients[0].pttl(`${keyPrefix}:jti:01020304`);
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('keeps player records: newest login wins, a stale gate cannot remove it, refresh restores lost records', async () => {
    const keyPrefix = `t${prefixCounter++}`;
    const raw = await client();
    const locator = new RedisPlayerLocator({ client: raw, keyPrefix, ttlMs: TTL_MS });
    await locator.recordOpened('gate-a', { accountId: 5n, sessionIds: ['aa'] });
    await locator.recordOpened('gate-b', { accountId: 5n, sessionIds: ['bb'] });
    await locator.recordClosed('gate-a', { accountId: 5n, sessionIds: [] }); // gate-a's old session ends late
    expect((await locator.locate([5n, 6n])).get(5n)).toEqual({ accountId: 5n, gateId: 'gate-b', sessionIds: ['bb'] });
    expect(await raw.pttl(`${keyPrefix}:player:5`)).toBeGreaterThan(TTL_MS - 5_000);
    await locator.recordOpened('gate-b', { accountId: 5n, sessionIds: ['bb', 'cc'] });
    await locator.recordClosed('gate-b', { accountId: 5n, sessionIds: ['cc'] });
    expect((await locator.locate([5n])).get(5n)?.sessionIds).toEqual(['cc']);
    await locator.recordClosed('gate-b', { accountId: 5n, sessionIds: [] });
    expect((await locator.locate([5n])).size).toBe(0);

    await locator.recordOpened('gate-b', { accountId: 7n, sessionIds: ['dd'] });
    await raw.del(`${keyPrefix}:player:7`); // as if Redis lost it
    await locator.refresh('gate-a', [{ accountId: 8n, sessionIds: ['ee'] }]);
    await locator.refresh('gate-b', [{ accountId: 7n, sessionIds: ['dd'] }, { accountId: 8n, sessionIds: ['ff'] }]);
    const found = await locator.locate([7n, 8n]);
    expect(found.get(7n)?.gateId).toBe('gate-b');
    expect(found.get(8n)?.gateId).toBe('gate-a'); // refresh never takes another gate's record
  });
});

describe('Redis outage', () => {
  let redis: TestRedis;
  let client: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    client = createRedisClient({ url: redis.url, name: 'outage', logger });
    await waitUntilReady(client, 5_000);
  });
  afterAll(async () => {
    await closeRedis(client);
    await redis?.dispose();
  });

  it('places in memory while Redis is down, counts it, refuses token claims, and recovers', async () => {
    const router = new RedisRouter({ client, keyPrefix: 'o', routeTtlMs: TTL_MS, fallbackColor: '', logger });
    const replay = new RedisReplayCache(client, 'o');
    expect((await router.route({ service: 'roma', color: '', accountId: 1n }, live)).ok).toBe(true);
    expect(router.stats()).toEqual({ up: true, fallbacks: 0, errors: 0 });

    await redis.kill();
    const started = Date.now();
    const during = await router.route({ service: 'roma', color: '', accountId: 2n }, live);
    expect(during.ok).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_500); // fails fast, does not queue
    expect(router.stats()).toMatchObject({ up: false, fallbacks: 1, errors: 1 });
    await expect(replay.claim(Uint8Array.from([9]), Date.now() + 10_000)).rejects.toMatchObject({ code: 'REPLAY_CACHE_UNAVAILABLE' });

    await redis.restart();
    expect(await waitUntilReady(client, 5_000)).toBe(true);
    expect((await router.route({ service: 'roma', color: '', accountId: 3n }, live)).ok).toBe(true);
    expect(router.stats()).toMatchObject({ up: true, fallbacks: 1 });
    expect(await client.get('o:route:roma::3')).not.toBeNull();
  });
});
