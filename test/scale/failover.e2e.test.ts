// Horizontal scale: two player-role Roma instances sharing one LMDB data dir
// (multi-process safe) behind the Redis router, two gates. A player's actor
// lives on one instance at a time (sticky route, second login kicks the
// first); after kill -9 of the instance holding a player and a gate restart
// without it in the static registry, the player is served by the other
// instance with every acknowledged save intact.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogoutCode, Module, ServerLogout, SystemSeq } from '../../src/gen/pantheon/client/v1/packet.js';
import { GameResult } from '../../src/gen/pantheon/game/v1/common.js';
import { RomaGameAdminClient } from '../../src/gen/pantheon/roma/v1/admin.js';
import { connectWebSocket } from '../../src/sdk/node.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { addGate, addRoma, type ExtraGate, type ExtraProcess } from '../harness/extra-processes.js';
import { newPlayer, type TestPlayer } from '../harness/player.js';
import type { ServiceProcess } from '../harness/processes.js';
import { startRedis, type TestRedis } from '../harness/redis.js';
import { accountsOn, holderOf } from '../harness/roma-sessions.js';
import { game, type GameClient } from '../roma-game/game-client.js';

let redis: TestRedis;
let cluster: TestCluster;
let roma2: ExtraProcess;
let gate2: ExtraGate;
const clients: GameClient[] = [];

const romaAddresses = () => [`127.0.0.1:${cluster.ports.romaGrpc}`, roma2.grpcAddress];

async function connectTo(player: TestPlayer, url: string): Promise<GameClient> {
  const grant = await player.grant();
  const g = game(await connectWebSocket(url, { token: grant.token, gateKeys: grant.gate_keys }));
  clients.push(g);
  return g;
}

async function newCharacter(g: GameClient): Promise<bigint> {
  const created = await g.create(`s${randomBytes(5).toString('hex')}`);
  expect(created.result).toBe(GameResult.GAME_RESULT_OK);
  return created.character!.playerId;
}

function grantItems(address: string, playerId: bigint, itemId: number, count: number): Promise<{ result: number }> {
  const token = readFileSync(join(cluster.dataDir, 'secrets', 'admin-token'), 'utf8').trim();
  const admin = new RomaGameAdminClient(address, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return new Promise<{ result: number }>((resolve, reject) =>
    admin.grantItems({ playerId, items: [{ itemId, count }] }, metadata, (error: ServiceError | null, response) => (error ? reject(error) : resolve(response))),
  ).finally(() => admin.close());
}

beforeAll(async () => {
  redis = await startRedis();
  cluster = await createTestCluster({ services: [], overrides: { router: { kind: 'redis' }, redis: { url: redis.url, key_prefix: `scale${randomBytes(3).toString('hex')}` } } });
  roma2 = await addRoma(cluster, 'roma-2');
  gate2 = await addGate(cluster, 'gate-2');
  cluster.writeConfig();
  // roma-1 first: it generates the dev admin token both instances then share through the data dir.
  await cluster.start('roma');
  await Promise.all([roma2.start(), cluster.start('lares')]);
  await Promise.all([cluster.start('gate'), gate2.start()]);
}, 60_000);

afterAll(async () => {
  for (const g of clients) g.client.close();
  await cluster?.stop();
  await redis?.dispose();
});

describe('one actor per player', () => {
  it('routes two sessions of one account on two gates to the same instance, and the second enter game kicks the first', async () => {
    const player = await newPlayer(cluster);
    const accountId = BigInt(player.accountId);
    const first = await connectTo(player, cluster.wsUrl);
    const playerId = await newCharacter(first);
    expect((await first.enter(playerId)).result).toBe(GameResult.GAME_RESULT_OK);
    const second = await connectTo(player, gate2.wsUrl);
    expect((await second.list()).result).toBe(GameResult.GAME_RESULT_OK);
    const perInstance = await Promise.all(romaAddresses().map(async (address) => (await accountsOn(address)).filter((id) => id === accountId).length));
    expect(perInstance.sort()).toEqual([0, 2]);
    expect((await second.enter(playerId)).result).toBe(GameResult.GAME_RESULT_OK);
    const logout = ServerLogout.decode((await first.nextPush(Module.MODULE_SYSTEM, SystemSeq.SYSTEM_SEQ_SERVER_LOGOUT)).data);
    expect(logout.code).toBe(LogoutCode.LOGOUT_CODE_LOGGED_IN_ELSEWHERE);
  });
});

describe('failover', () => {
  it('serves a player from the surviving instance after kill -9, with every acknowledged save intact', async () => {
    const player = await newPlayer(cluster);
    const accountId = BigInt(player.accountId);
    const before = await connectTo(player, cluster.wsUrl);
    const playerId = await newCharacter(before);
    expect((await before.enter(playerId)).result).toBe(GameResult.GAME_RESULT_OK);
    const newName = `r${randomBytes(5).toString('hex')}`;
    expect((await before.rename(newName)).result).toBe(GameResult.GAME_RESULT_OK);
    const holder = await holderOf(romaAddresses(), accountId);
    expect(holder).toBeGreaterThanOrEqual(0);
    expect((await grantItems(romaAddresses()[holder], playerId, 2001, 7)).result).toBe(GameResult.GAME_RESULT_OK);

    const dead: ServiceProcess = holder === 0 ? cluster.processes.roma! : roma2.process!;
    const deadId = holder === 0 ? 'roma-1' : 'roma-2';
    dead.child.kill('SIGKILL');
    await dead.exited;
    // Static registry: the gate learns the instance is gone from its config, so restart it without the dead entry.
    cluster.config.registry.roma = cluster.config.registry.roma.filter((entry: { id: string }) => entry.id !== deadId);
    cluster.writeConfig();
    await cluster.processes.gate!.stop();
    await cluster.start('gate');

    const after = await connectTo(player, cluster.wsUrl);
    expect((await after.enter(playerId)).result).toBe(GameResult.GAME_RESULT_OK);
    expect(await holderOf([romaAddresses()[1 - holder]], accountId)).toBe(0);
    expect((await after.profile()).profile?.name).toBe(newName);
    expect((await after.items()).items).toContainEqual({ itemId: 2001, count: 7 });
  });
});
