// RomaGameAdmin end to end: SDK -> gate -> Roma (real processes, LMDB) for the
// players, gRPC with the generated dev admin token for the operator. Game data
// comes from a temp copy so a reload can be made to fail.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogoutCode, Module, ServerLogout, SystemSeq } from '../../src/gen/pantheon/client/v1/packet.js';
import { ChatSeq, ChatSystemMessage } from '../../src/gen/pantheon/game/v1/chat.js';
import { GameModule, GameResult } from '../../src/gen/pantheon/game/v1/common.js';
import { InventorySeq, InventoryUpdated } from '../../src/gen/pantheon/game/v1/inventory.js';
import { RomaGameAdminClient } from '../../src/gen/pantheon/roma/v1/admin.js';
import { adminCaller, rejection } from '../harness/admin-call.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { newPlayer } from '../harness/player.js';
import { game, type GameClient } from '../roma-game/game-client.js';

let cluster: TestCluster;
let admin: RomaGameAdminClient;
let token: string;
let gamedataDir: string;
const clients: GameClient[] = [];

/** Calls one RomaGameAdmin method with the given credential (default: the right one). */
const call = adminCaller(() => admin, () => token);

async function character(): Promise<{ g: GameClient; playerId: bigint; name: string; player: Awaited<ReturnType<typeof newPlayer>> }> {
  const player = await newPlayer(cluster);
  const g = game(await player.connect('ws'));
  clients.push(g);
  const name = `a${randomBytes(5).toString('hex')}`;
  const created = await g.create(name);
  expect(created.result).toBe(GameResult.GAME_RESULT_OK);
  return { g, playerId: created.character!.playerId, name, player };
}

beforeAll(async () => {
  gamedataDir = mkdtempSync(join(tmpdir(), 'pantheon-gamedata-'));
  cpSync('gamedata', gamedataDir, { recursive: true });
  cluster = await createTestCluster({ services: ['roma', 'lares', 'gate'], overrides: { roma: { gamedata_dir: gamedataDir } } });
  token = readFileSync(join(cluster.dataDir, 'secrets', 'admin-token'), 'utf8').trim();
  admin = new RomaGameAdminClient(`127.0.0.1:${cluster.ports.romaGrpc}`, credentials.createInsecure());
}, 60_000);

afterAll(async () => {
  for (const g of clients) g.client.close();
  admin?.close();
  await cluster?.stop();
  rmSync(gamedataDir, { recursive: true, force: true });
});

describe('authentication', () => {
  it('refuses a call without a credential', async () => {
    const error = await rejection(call('getOnlineCounts', {}, null));
    expect(error.code).toBe(status.UNAUTHENTICATED);
    expect(error.details).toMatch(/authorization: Bearer/);
  });

  it('refuses a wrong credential', async () => {
    const error = await rejection(call('getOnlineCounts', {}, 'x'.repeat(token.length)));
    expect(error.code).toBe(status.UNAUTHENTICATED);
    expect(error.details).toMatch(/credential is wrong/);
  });

  it('generated a dev token of at least 16 characters', () => {
    expect(token.length).toBeGreaterThanOrEqual(16);
  });
});

describe('players', () => {
  it('returns every module state as JSON, NOT_FOUND for an unknown id, INVALID_ARGUMENT for id 0', async () => {
    const { playerId, name } = await character();
    const found = await call<any>('getPlayer', { playerId });
    expect(found.online).toBe(false);
    expect(found.banned).toBe(false);
    const modules = JSON.parse(found.modulesJson);
    expect(modules.profile.name).toBe(name);
    expect(modules.inventory).toEqual({ items: {} });
    expect((await rejection(call('getPlayer', { playerId: 999n }))).code).toBe(status.NOT_FOUND);
    expect((await rejection(call('getPlayer', { playerId: 0n }))).code).toBe(status.INVALID_ARGUMENT);
  });

  it('searches names by zone and prefix, refusing an empty prefix or a limit over 100', async () => {
    const { playerId, name } = await character();
    const found = await call<any>('searchPlayers', { zone: 1, prefix: name.slice(0, 8).toUpperCase(), limit: 5 });
    expect(found.players).toContainEqual({ playerId, name });
    expect((await call<any>('searchPlayers', { zone: 2, prefix: name, limit: 5 })).players).toEqual([]);
    expect((await rejection(call('searchPlayers', { zone: 1, prefix: '', limit: 5 }))).code).toBe(status.INVALID_ARGUMENT);
    expect((await rejection(call('searchPlayers', { zone: 1, prefix: 'a', limit: 101 }))).code).toBe(status.INVALID_ARGUMENT);
  });

  it('grants and removes items atomically, pushing changes to an online player', async () => {
    const { g, playerId } = await character();
    expect((await g.enter(playerId)).result).toBe(GameResult.GAME_RESULT_OK);
    const counts = await call<any>('getOnlineCounts', {});
    expect(counts.players).toBeGreaterThanOrEqual(1);
    expect(counts.sessions).toBeGreaterThanOrEqual(1);
    expect((await call<any>('grantItems', { playerId, items: [{ itemId: 2001, count: 5 }] })).result).toBe(GameResult.GAME_RESULT_OK);
    const pushed = InventoryUpdated.decode((await g.nextPush(GameModule.GAME_MODULE_INVENTORY, InventorySeq.INVENTORY_SEQ_UPDATED)).data);
    expect(pushed.changed).toEqual([{ itemId: 2001, count: 5 }]);
    // One unknown item refuses the whole grant.
    expect((await call<any>('grantItems', { playerId, items: [{ itemId: 2001, count: 1 }, { itemId: 424242, count: 1 }] })).result).toBe(GameResult.GAME_RESULT_ITEM_UNKNOWN);
    expect((await call<any>('removeItems', { playerId, items: [{ itemId: 2001, count: 6 }] })).result).toBe(GameResult.GAME_RESULT_ITEM_NOT_ENOUGH);
    expect((await call<any>('removeItems', { playerId, items: [{ itemId: 2001, count: 2 }] })).result).toBe(GameResult.GAME_RESULT_OK);
    expect((await g.items()).items).toEqual([{ itemId: 2001, count: 3 }]);
    expect((await rejection(call('grantItems', { playerId, items: [{ itemId: 2001, count: 0 }] }))).code).toBe(status.INVALID_ARGUMENT);
    expect((await rejection(call('grantItems', { playerId, items: [] }))).code).toBe(status.INVALID_ARGUMENT);
    expect((await rejection(call('grantItems', { playerId: 999n, items: [{ itemId: 2001, count: 1 }] }))).code).toBe(status.NOT_FOUND);
  });

  it('grants to an offline player and saves at once', async () => {
    const { g, playerId } = await character();
    expect((await call<any>('grantItems', { playerId, items: [{ itemId: 2001, count: 2 }] })).result).toBe(GameResult.GAME_RESULT_OK);
    expect(JSON.parse((await call<any>('getPlayer', { playerId })).modulesJson).inventory).toEqual({ items: { '2001': 2 } });
    await g.enter(playerId);
    expect((await g.items()).items).toEqual([{ itemId: 2001, count: 2 }]);
  });

  it('kicks an online player with ServerLogout KICKED; an offline one is not kicked', async () => {
    const { g, playerId } = await character();
    expect((await call<any>('kickPlayer', { playerId, reason: 'test' })).kicked).toBe(false);
    await g.enter(playerId);
    expect((await call<any>('kickPlayer', { playerId, reason: 'test' })).kicked).toBe(true);
    const logout = ServerLogout.decode((await g.nextPush(Module.MODULE_SYSTEM, SystemSeq.SYSTEM_SEQ_SERVER_LOGOUT)).data);
    expect(logout.code).toBe(LogoutCode.LOGOUT_CODE_KICKED);
  });

  it('bans: kicks with BANNED, refuses enter game with BANNED until unbanned', async () => {
    const { g, playerId, player } = await character();
    await g.enter(playerId);
    expect((await rejection(call('banPlayer', { playerId, reason: '' }))).code).toBe(status.INVALID_ARGUMENT);
    expect((await call<any>('banPlayer', { playerId, reason: 'cheating' })).kicked).toBe(true);
    const logout = ServerLogout.decode((await g.nextPush(Module.MODULE_SYSTEM, SystemSeq.SYSTEM_SEQ_SERVER_LOGOUT)).data);
    expect(logout.code).toBe(LogoutCode.LOGOUT_CODE_BANNED);
    expect((await call<any>('getPlayer', { playerId })).banned).toBe(true);
    const again = game(await player.connect('ws'));
    clients.push(again);
    expect((await again.enter(playerId)).result).toBe(GameResult.GAME_RESULT_BANNED);
    expect((await call<any>('unbanPlayer', { playerId })).wasBanned).toBe(true);
    expect((await again.enter(playerId)).result).toBe(GameResult.GAME_RESULT_OK);
  });
});

describe('operations', () => {
  it('broadcasts a system message to the zone', async () => {
    const { g, playerId } = await character();
    await g.enter(playerId);
    const sent = await call<any>('broadcastSystemMessage', { text: 'maintenance at noon' });
    expect(sent.gates).toBe(1);
    const message = ChatSystemMessage.decode((await g.nextPush(GameModule.GAME_MODULE_CHAT, ChatSeq.CHAT_SEQ_SYSTEM)).data);
    expect(message.text).toBe('maintenance at noon');
    expect((await rejection(call('broadcastSystemMessage', { text: '' }))).code).toBe(status.INVALID_ARGUMENT);
  });

  it('reloads game data, and on bad data keeps the old tables and returns the error', async () => {
    const first = await call<any>('reloadGameData', {});
    expect(first.ok).toBe(true);
    const items = join(gamedataDir, 'items.json');
    const good = readFileSync(items, 'utf8');
    writeFileSync(items, '{"rows": [{"id": "not a number"}]}');
    try {
      const failed = await call<any>('reloadGameData', {});
      expect(failed.ok).toBe(false);
      expect(failed.error).toMatch(/items/);
      expect(failed.version).toBe(first.version);
    } finally {
      writeFileSync(items, good);
    }
  });
});
