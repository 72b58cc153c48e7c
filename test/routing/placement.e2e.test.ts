// One gate with Redis routing in front of two Roma instances of the same
// color, real processes: sticky routes survive a gate restart, sessions keep
// working and new ones are still placed while Redis is down, and a route to
// a dead instance is replaced at once instead of waiting out its TTL.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, createRedisClient, type Redis } from '../../src/common/redis.js';
import { HandshakeErrorCode, HandshakeFailedError, type PantheonClient } from '../../src/sdk/node.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { addRoma, type ExtraProcess } from '../harness/extra-processes.js';
import { newPlayer, type TestPlayer } from '../harness/player.js';
import { startRedis, type TestRedis } from '../harness/redis.js';
import { connectTo, echo, romaAccounts, routingStats, sleep } from './helpers.js';

const PREFIX = 'e2ep';
const ROUTE_TTL_MS = 10 * 60_000;

describe('Redis routing through gate restarts, outages and dead instances', () => {
  let redis: TestRedis;
  let cluster: TestCluster;
  let roma2: ExtraProcess;
  let raw: Redis;
  const gateAdmin = () => `http://127.0.0.1:${cluster.ports.gateAdmin}`;
  const romaAddress = (id: string) => cluster.config.registry.roma.find((entry: { id: string }) => entry.id === id).grpc_address as string;
  /** Which Roma instance serves the account: the one whose ListSessions has it. */
  const servedBy = async (player: TestPlayer): Promise<string[]> => {
    const ids = cluster.config.registry.roma.map((entry: { id: string }) => entry.id) as string[];
    const lists = await Promise.all(ids.map((id) => romaAccounts(romaAddress(id))));
    return ids.filter((_, i) => lists[i].includes(player.accountId));
  };
  const restartGate = async () => {
    await cluster.processes.gate!.stop();
    await cluster.start('gate');
  };

  beforeAll(async () => {
    redis = await startRedis();
    cluster = await createTestCluster({
      services: [],
      overrides: { router: { kind: 'redis', route_ttl_ms: ROUTE_TTL_MS }, redis: { url: redis.url, key_prefix: PREFIX }, gate: { drain_grace_ms: 500 } },
    });
    roma2 = await addRoma(cluster, 'roma-2');
    cluster.writeConfig();
    await Promise.all([cluster.start('roma'), roma2.start(), cluster.start('lares')]);
    await cluster.start('gate');
    raw = createRedisClient({ url: redis.url, name: 'test', logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    if (raw) await closeRedis(raw);
    await cluster?.stop();
    await redis?.dispose();
  });

  it('keeps each account on its Roma instance across a gate restart', async () => {
    const players = await Promise.all(Array.from({ length: 4 }, () => newPlayer(cluster)));
    const before: string[] = [];
    for (const player of players) {
      const client = await connectTo(player, cluster.wsUrl);
      await echo(client, 'first');
      before.push((await servedBy(player))[0]);
      client.close();
    }
    expect(new Set(before)).toEqual(new Set(['roma-1', 'roma-2'])); // spread over both

    await restartGate();
    // Reconnect in reverse order: a fresh round robin alone would place them differently.
    for (const [i, player] of [...players.entries()].reverse()) {
      const client = await connectTo(player, cluster.wsUrl);
      await echo(client, 'again');
      expect(await servedBy(player)).toEqual([before[i]]);
      expect(await raw.get(`${PREFIX}:route:roma::${player.accountId}`)).toBe(before[i]);
      client.close();
    }
  });

  it('keeps established sessions working and still places new ones while Redis is down', async () => {
    const [routed, unrouted, latecomer] = await Promise.all([newPlayer(cluster), newPlayer(cluster), newPlayer(cluster)]);
    const clients: PantheonClient[] = [await connectTo(routed, cluster.wsUrl), await connectTo(unrouted, cluster.wsUrl)];
    await echo(clients[0], 'before the outage');
    const fallbacksBefore = (await routingStats(gateAdmin())).router.fallbacks;

    await redis.stop();
    for (let i = 0; i < 5; i++) await echo(clients[0], `during the outage ${i}`);
    // Its first request needs a placement: decided in memory over the live view.
    await echo(clients[1], 'placed without Redis');
    const during = await routingStats(gateAdmin());
    expect(during.router.up).toBe(false);
    expect(during.router.fallbacks).toBeGreaterThan(fallbacksBefore);
    // A token cannot be checked for reuse: the handshake is refused, never accepted unchecked.
    const refused = await connectTo(latecomer, cluster.wsUrl).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HandshakeFailedError);
    expect((refused as HandshakeFailedError).serverCode).toBe(HandshakeErrorCode.HANDSHAKE_ERROR_SERVER_BUSY);

    await redis.restart();
    let client: PantheonClient | null = null;
    for (let attempt = 0; attempt < 50 && !client; attempt++) {
      client = await connectTo(latecomer, cluster.wsUrl).catch(() => null); // SERVER_BUSY until the gate has reconnected
      if (!client) await sleep(100);
    }
    expect(client).not.toBeNull();
    await echo(client!, 'after the outage');
    expect((await routingStats(gateAdmin())).router.up).toBe(true);
    for (const open of [...clients, client!]) open.close();
  });

  it('replaces a route to a dead instance at the next placement, without waiting for its TTL', async () => {
    const player = await newPlayer(cluster);
    const first = await connectTo(player, cluster.wsUrl);
    await echo(first, 'before');
    const [dead] = await servedBy(player);
    const survivor = dead === 'roma-1' ? 'roma-2' : 'roma-1';
    first.close();

    // The instance dies and leaves the registry (static: a new config the gate loads on restart).
    await (dead === 'roma-1' ? cluster.processes.roma!.stop() : roma2.stop());
    cluster.config.registry.roma = cluster.config.registry.roma.filter((entry: { id: string }) => entry.id !== dead);
    cluster.writeConfig();
    await restartGate();
    expect(await raw.get(`${PREFIX}:route:roma::${player.accountId}`)).toBe(dead); // still there, TTL minutes away

    const second = await connectTo(player, cluster.wsUrl);
    await echo(second, 'after');
    expect(await raw.get(`${PREFIX}:route:roma::${player.accountId}`)).toBe(survivor);
    expect(await raw.pttl(`${PREFIX}:route:roma::${player.accountId}`)).toBeGreaterThan(ROUTE_TTL_MS - 60_000);
    expect(await servedBy(player)).toEqual([survivor]);
    second.close();
  });
});
