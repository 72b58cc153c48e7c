// Two gates sharing one Redis, two Roma instances of different colors, real
// processes: color isolation, single-use tokens across gates, push to a
// player on another gate, multicast over both gates, and broadcasts that
// reach every matching session exactly once.
import { credentials } from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, createRedisClient, type Redis } from '../../src/common/redis.js';
import { PushClient as GatePushStub, type PushToPlayerResponse } from '../../src/gen/pantheon/gate/v1/push.js';
import { RedisPlayerLocator } from '../../src/routing/redis-player-locator.js';
import { PushClient, staticGateAddresses } from '../../src/routing/push-client.js';
import { HandshakeErrorCode, HandshakeFailedError, type PantheonClient } from '../../src/sdk/node.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { addGate, addRoma, type ExtraGate, type ExtraProcess } from '../harness/extra-processes.js';
import { newPlayer, type TestPlayer } from '../harness/player.js';
import { startRedis, type TestRedis } from '../harness/redis.js';
import { collectPushes, connectTo, echo, romaAccounts, sleep, text } from './helpers.js';

const PREFIX = 'e2e2';
const GAME_MODULE = 100;

describe('two gates sharing Redis', () => {
  let redis: TestRedis;
  let cluster: TestCluster;
  let romaBlue: ExtraProcess;
  let gateB: ExtraGate;
  let raw: Redis;
  let push: PushClient;
  const clients: PantheonClient[] = [];
  const romaDefault = () => cluster.config.registry.roma[0].grpc_address as string;
  const connect = async (player: TestPlayer, wsUrl: string, color?: string) => {
    const client = await connectTo(player, wsUrl, color);
    clients.push(client);
    return client;
  };
  /** Resolves once the gate has written the player's record (it does so asynchronously on SessionOpened). */
  const recorded = (player: TestPlayer, gateId: string) =>
    expect.poll(async () => (await raw.hget(`${PREFIX}:player:${player.accountId}`, 'gate')) ?? '', { timeout: 5_000 }).toBe(gateId);

  beforeAll(async () => {
    redis = await startRedis();
    cluster = await createTestCluster({ services: [], overrides: { router: { kind: 'redis' }, redis: { url: redis.url, key_prefix: PREFIX } } });
    romaBlue = await addRoma(cluster, 'roma-blue', { color: 'blue' });
    gateB = await addGate(cluster, 'gate-2');
    cluster.writeConfig();
    await Promise.all([cluster.start('roma'), romaBlue.start(), cluster.start('lares')]);
    await Promise.all([cluster.start('gate'), gateB.start()]);
    const logger = pino({ level: 'silent' });
    raw = createRedisClient({ url: redis.url, name: 'test', logger });
    push = new PushClient({ locator: new RedisPlayerLocator({ client: raw, keyPrefix: PREFIX, ttlMs: 60_000 }), gateAddress: staticGateAddresses(cluster.config.registry.gate) });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    push?.close();
    if (raw) await closeRedis(raw);
    await cluster?.stop();
    await redis?.dispose();
  });

  it('routes each session to an instance of its token color, and unknown colors to the fallback color', async () => {
    const [plain, blue, green] = await Promise.all([newPlayer(cluster), newPlayer(cluster), newPlayer(cluster)]);
    await echo(await connect(plain, cluster.wsUrl), 'plain');
    await echo(await connect(blue, gateB.wsUrl, 'blue'), 'blue');
    await echo(await connect(green, cluster.wsUrl, 'green'), 'green');
    const [onDefault, onBlue] = await Promise.all([romaAccounts(romaDefault()), romaAccounts(romaBlue.grpcAddress)]);
    expect(onDefault).toContain(plain.accountId);
    expect(onDefault).toContain(green.accountId);
    expect(onDefault).not.toContain(blue.accountId);
    expect(onBlue).toEqual([blue.accountId]);
    expect(await raw.get(`${PREFIX}:route:roma:blue:${blue.accountId}`)).toBe('roma-blue');
    expect(await raw.get(`${PREFIX}:route:roma::${plain.accountId}`)).toBe('roma-1');
  });

  it('refuses on gate B a token already used on gate A', async () => {
    const player = await newPlayer(cluster);
    const grant = await player.grant();
    const { connectWebSocket } = await import('../../src/sdk/node.js');
    clients.push(await connectWebSocket(cluster.wsUrl, { token: grant.token, gateKeys: grant.gate_keys }));
    const error = await connectWebSocket(gateB.wsUrl, { token: grant.token, gateKeys: grant.gate_keys }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeFailedError);
    expect((error as HandshakeFailedError).serverCode).toBe(HandshakeErrorCode.HANDSHAKE_ERROR_TOKEN_REPLAYED);
  });

  it('pushes to a player connected to another gate, found through its player record', async () => {
    const player = await newPlayer(cluster);
    const pushes = collectPushes(await connect(player, gateB.wsUrl));
    await recorded(player, 'gate-2');
    const outcome = await push.pushToPlayer(BigInt(player.accountId), { mod: GAME_MODULE, seq: 1, data: text('over here') });
    expect(outcome).toEqual({ sessions: 1, offline: [], unreachable: [] });
    await expect.poll(() => pushes.length).toBe(1);
    expect(pushes[0]).toMatchObject({ mod: GAME_MODULE, seq: 1, index: 0, data: text('over here') });

    // Gate A itself does not hold the player: its Push answers 0 sessions.
    const gateA = new GatePushStub(cluster.config.registry.gate[0].grpc_address, credentials.createInsecure());
    const direct = await new Promise<PushToPlayerResponse>((resolveCall, reject) =>
      gateA.pushToPlayer({ accountId: BigInt(player.accountId), mod: GAME_MODULE, seq: 1, data: text('x') }, (error, reply) => (error ? reject(error) : resolveCall(reply))),
    );
    gateA.close();
    expect(direct.sessions).toBe(0);
    expect(await push.pushToPlayer(987_654_321n, { mod: GAME_MODULE, seq: 1, data: text('nobody') })).toEqual({ sessions: 0, offline: [987_654_321n], unreachable: [] });
  });

  it('multicasts to players spread over both gates, once each, and names the offline ones', async () => {
    const players = await Promise.all([newPlayer(cluster), newPlayer(cluster), newPlayer(cluster)]);
    const urls = [cluster.wsUrl, cluster.wsUrl, gateB.wsUrl];
    const pushes = await Promise.all(players.map(async (player, i) => collectPushes(await connect(player, urls[i]))));
    await Promise.all(players.map((player, i) => recorded(player, i < 2 ? 'gate-1' : 'gate-2')));
    const ids = players.map((player) => BigInt(player.accountId));
    const outcome = await push.multicast([...ids, 555_555_555n], { mod: GAME_MODULE, seq: 2, data: text('group') });
    expect(outcome.sessions).toBe(3);
    expect(outcome.offline).toEqual([555_555_555n]);
    expect(outcome.unreachable).toEqual([]);
    await expect.poll(() => pushes.map((received) => received.length)).toEqual([1, 1, 1]);
    await sleep(200);
    expect(pushes.map((received) => received.length)).toEqual([1, 1, 1]);
  });

  it('delivers a broadcast once to every matching session on every gate and to none outside the filter', async () => {
    const players = await Promise.all(Array.from({ length: 4 }, () => newPlayer(cluster)));
    const placement: [string, string | undefined][] = [
      [cluster.wsUrl, undefined],
      [cluster.wsUrl, 'blue'],
      [gateB.wsUrl, undefined],
      [gateB.wsUrl, 'blue'],
    ];
    const pushes = await Promise.all(players.map(async (player, i) => collectPushes(await connect(player, placement[i][0], placement[i][1]))));
    const broadcastSeqs = (i: number) => pushes[i].filter((packet) => packet.mod === GAME_MODULE + 1).map((packet) => packet.seq);

    // Sent through gate A only; gate A publishes, and each gate (A included) delivers what it receives.
    const blueOnly = await push.broadcast('gate-1', { color: 'blue', mod: GAME_MODULE + 1, seq: 1, data: text('blue news') });
    expect(blueOnly.gates).toBe(2);
    await expect.poll(() => [1, 3].map(broadcastSeqs)).toEqual([[1], [1]]);

    const everyone = await push.broadcast('gate-2', { color: '', mod: GAME_MODULE + 1, seq: 2, data: text('news') });
    expect(everyone.gates).toBe(2);
    await expect.poll(() => [0, 1, 2, 3].map((i) => broadcastSeqs(i).filter((seq) => seq === 2).length)).toEqual([1, 1, 1, 1]);

    await push.broadcast('gate-1', { color: '', zone: 999, mod: GAME_MODULE + 1, seq: 3, data: text('other zone') });
    await sleep(300); // room for duplicates or stray deliveries to show up
    expect([0, 1, 2, 3].map(broadcastSeqs)).toEqual([[2], [1, 2], [2], [1, 2]]);
  });
});
