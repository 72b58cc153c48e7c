// The game modules end to end: SDK -> gate -> Roma (real processes) with the
// player store on LMDB. A second PlayerStore handle on the same LMDB path plays
// "another instance" (seeding items, forcing a version conflict).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogoutCode, Module, ServerLogout, SystemSeq } from '../../src/gen/pantheon/client/v1/packet.js';
import { GameModule, GameResult } from '../../src/gen/pantheon/game/v1/common.js';
import { InventorySeq, InventoryUpdated } from '../../src/gen/pantheon/game/v1/inventory.js';
import { ProfileSeq, ProfileUpdated } from '../../src/gen/pantheon/game/v1/profile.js';
import { LmdbPlayerStore } from '../../src/store/lmdb/player-store.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { newPlayer, type TestPlayer } from '../harness/player.js';
import { game, type GameClient } from './game-client.js';

let cluster: TestCluster;
let store: LmdbPlayerStore;
const clients: GameClient[] = [];

const uniqueName = () => `p${randomBytes(5).toString('hex')}`;

async function connect(player: TestPlayer): Promise<GameClient> {
  const g = game(await player.connect('ws'));
  clients.push(g);
  return g;
}

/** A new account with one character, not yet in the game. */
async function withCharacter(): Promise<{ player: TestPlayer; g: GameClient; playerId: bigint; name: string }> {
  const player = await newPlayer(cluster);
  const g = await connect(player);
  const name = uniqueName();
  const created = await g.create(name);
  expect(created.result).toBe(GameResult.GAME_RESULT_OK);
  return { player, g, playerId: created.character!.playerId, name };
}

/** What another instance would do: write the document directly, bumping its version. */
async function seedItems(playerId: bigint, items: Record<string, number>): Promise<void> {
  const doc = (await store.load(playerId))!;
  const saved = await store.save(playerId, doc.version, { ...doc.modules, inventory: { items } }, Date.now());
  expect(saved.ok).toBe(true);
}

beforeAll(async () => {
  cluster = await createTestCluster({
    services: ['roma', 'lares', 'gate'],
    overrides: { roma: { save_interval_ms: 600_000, max_characters_per_account: 2 } },
  });
  store = LmdbPlayerStore.open(join(cluster.dataDir, 'roma'));
}, 60_000);

afterAll(async () => {
  for (const g of clients) g.client.close();
  await store?.close();
  await cluster?.stop();
});

describe('character', () => {
  it('answers NOT_IN_GAME from player modules before enter game', async () => {
    const g = await connect(await newPlayer(cluster));
    expect((await g.profile()).result).toBe(GameResult.GAME_RESULT_NOT_IN_GAME);
    expect((await g.items()).result).toBe(GameResult.GAME_RESULT_NOT_IN_GAME);
  });

  it('refuses every bad name and a name taken in any casing, and caps characters per account', async () => {
    const g = await connect(await newPlayer(cluster));
    expect((await g.create('a')).result).toBe(GameResult.GAME_RESULT_NAME_TOO_SHORT);
    expect((await g.create('')).result).toBe(GameResult.GAME_RESULT_NAME_TOO_SHORT);
    expect((await g.create('a'.repeat(17))).result).toBe(GameResult.GAME_RESULT_NAME_TOO_LONG);
    expect((await g.create('bad name')).result).toBe(GameResult.GAME_RESULT_NAME_INVALID);
    expect((await g.create('emoji🙂')).result).toBe(GameResult.GAME_RESULT_NAME_INVALID);
    const cjk = `龙${randomBytes(3).toString('hex')}`;
    expect((await g.create(cjk)).result).toBe(GameResult.GAME_RESULT_OK);
    const other = await connect(await newPlayer(cluster));
    expect((await other.create(cjk.toUpperCase())).result).toBe(GameResult.GAME_RESULT_NAME_TAKEN);
    expect((await g.create(uniqueName())).result).toBe(GameResult.GAME_RESULT_OK);
    expect((await g.create(uniqueName())).result).toBe(GameResult.GAME_RESULT_TOO_MANY_CHARACTERS);
    const listed = await g.list();
    expect(listed.characters.map((c) => c.name)).toContain(cjk);
    expect(listed.maxCharacters).toBe(2);
  });

  it('answers undecodable request data with BAD_REQUEST and keeps the session usable', async () => {
    const g = await connect(await newPlayer(cluster));
    await expect(g.client.request(GameModule.GAME_MODULE_CHARACTER, 2, new Uint8Array([0xff, 0xff, 0xff]))).rejects.toMatchObject({ code: 5 });
    await expect(g.client.request(GameModule.GAME_MODULE_PROFILE, 1, new Uint8Array([0x0a, 0x05]))).rejects.toMatchObject({ code: 5 });
    expect((await g.list()).result).toBe(GameResult.GAME_RESULT_OK);
  });

  it('soft-deletes, refuses entering a deleted character, restores, and hides other accounts\' characters', async () => {
    const { g, playerId } = await withCharacter();
    const deleted = await g.remove(playerId);
    expect(deleted.result).toBe(GameResult.GAME_RESULT_OK);
    expect(deleted.character!.purgeAtMs).toBeGreaterThan(deleted.character!.deletedAtMs);
    expect((await g.remove(playerId)).result).toBe(GameResult.GAME_RESULT_CHARACTER_DELETED);
    expect((await g.enter(playerId)).result).toBe(GameResult.GAME_RESULT_CHARACTER_DELETED);
    expect((await g.list()).characters[0].deletedAtMs).toBeGreaterThan(0n);
    expect((await g.restore(playerId)).result).toBe(GameResult.GAME_RESULT_OK);
    expect((await g.restore(playerId)).result).toBe(GameResult.GAME_RESULT_CHARACTER_NOT_DELETED);
    const stranger = await connect(await newPlayer(cluster));
    expect((await stranger.enter(playerId)).result).toBe(GameResult.GAME_RESULT_CHARACTER_NOT_FOUND);
    expect((await stranger.remove(playerId)).result).toBe(GameResult.GAME_RESULT_CHARACTER_NOT_FOUND);
    expect((await g.enter(999_999_999n)).result).toBe(GameResult.GAME_RESULT_CHARACTER_NOT_FOUND);
    expect((await g.enter(playerId)).result).toBe(GameResult.GAME_RESULT_OK);
    expect((await g.remove(playerId)).result).toBe(GameResult.GAME_RESULT_CHARACTER_ONLINE);
  });
});

describe('profile and inventory', () => {
  it('renames atomically: taken names refused, the old name freed', async () => {
    const a = await withCharacter();
    const b = await withCharacter();
    await a.g.enter(a.playerId);
    expect((await a.g.rename(b.name)).result).toBe(GameResult.GAME_RESULT_NAME_TAKEN);
    expect((await a.g.rename('x')).result).toBe(GameResult.GAME_RESULT_NAME_TOO_SHORT);
    const fresh = uniqueName();
    const renamed = await a.g.rename(fresh);
    expect(renamed.result).toBe(GameResult.GAME_RESULT_OK);
    expect(renamed.profile!.name).toBe(fresh);
    const c = await connect(await newPlayer(cluster));
    expect((await c.create(a.name)).result).toBe(GameResult.GAME_RESULT_OK);
    expect((await c.create(fresh)).result).toBe(GameResult.GAME_RESULT_NAME_TAKEN);
  });

  it('uses chests and exp potions, respects stack limits atomically and pushes every change', async () => {
    const { g, playerId } = await withCharacter();
    await seedItems(playerId, { '4001': 1, '4002': 2, '1001': 3 });
    expect((await g.enter(playerId)).result).toBe(GameResult.GAME_RESULT_OK);
    expect((await g.use(4001)).result).toBe(GameResult.GAME_RESULT_OK);
    const chest = InventoryUpdated.decode((await g.nextPush(GameModule.GAME_MODULE_INVENTORY, InventorySeq.INVENTORY_SEQ_UPDATED)).data);
    expect(chest.changed).toEqual(expect.arrayContaining([{ itemId: 4001, count: 0 }, { itemId: 2001, count: 50 }, { itemId: 2003, count: 3 }]));
    expect((await g.use(4002)).result).toBe(GameResult.GAME_RESULT_OK);
    // A second sword would pass its stack limit of 1: nothing changes.
    expect((await g.use(4002)).result).toBe(GameResult.GAME_RESULT_STACK_LIMIT);
    expect((await g.use(1001, 2)).result).toBe(GameResult.GAME_RESULT_OK);
    const profile = ProfileUpdated.decode((await g.nextPush(GameModule.GAME_MODULE_PROFILE, ProfileSeq.PROFILE_SEQ_UPDATED)).data).profile!;
    expect(profile.exp).toBe(200n);
    expect(profile.level).toBe(2);
    expect((await g.use(1001, 99)).result).toBe(GameResult.GAME_RESULT_ITEM_NOT_ENOUGH);
    expect((await g.use(2001)).result).toBe(GameResult.GAME_RESULT_ITEM_NOT_USABLE);
    expect((await g.use(777)).result).toBe(GameResult.GAME_RESULT_ITEM_UNKNOWN);
    expect((await g.use(1001, 0)).result).toBe(GameResult.GAME_RESULT_OK);
    expect((await g.removeItem(2001, 10_000)).result).toBe(GameResult.GAME_RESULT_BAD_COUNT);
    expect((await g.removeItem(2001, 25)).result).toBe(GameResult.GAME_RESULT_OK);
    const items = Object.fromEntries((await g.items()).items.map((s) => [s.itemId, s.count]));
    expect(items).toEqual({ 1001: 2, 2001: 225, 2003: 3, 3001: 1, 4002: 1 });
    expect((await g.profile()).profile!.exp).toBe(300n);
  });
});

describe('persistence and logins', () => {
  it('saves on logout: a relogin sees the state', async () => {
    const { player, g, playerId } = await withCharacter();
    await seedItems(playerId, { '2002': 5 });
    await g.enter(playerId);
    expect((await g.removeItem(2002, 2)).result).toBe(GameResult.GAME_RESULT_OK);
    g.client.close();
    await waitFor(async () => (await store.load(playerId))!.modules.inventory, (inv) => JSON.stringify(inv) === JSON.stringify({ items: { '2002': 3 } }));
    const again = await connect(player);
    await again.enter(playerId);
    expect((await again.items()).items).toEqual([{ itemId: 2002, count: 3 }]);
    expect((await again.profile()).profile!.lastLogoutMs).toBeGreaterThan(0n);
  });

  it('kicks the first session with LOGGED_IN_ELSEWHERE after saving its state', async () => {
    const { player, g, playerId } = await withCharacter();
    await seedItems(playerId, { '2002': 5 });
    await g.enter(playerId);
    await g.removeItem(2002, 1);
    const second = await connect(player);
    expect((await second.enter(playerId)).result).toBe(GameResult.GAME_RESULT_OK);
    const logout = ServerLogout.decode((await g.nextPush(Module.MODULE_SYSTEM, SystemSeq.SYSTEM_SEQ_SERVER_LOGOUT)).data);
    expect(logout.code).toBe(LogoutCode.LOGOUT_CODE_LOGGED_IN_ELSEWHERE);
    expect((await store.load(playerId))!.modules.inventory).toEqual({ items: { '2002': 4 } });
    expect((await second.items()).items).toEqual([{ itemId: 2002, count: 4 }]);
    const closed = await g.client.closed;
    expect(closed.code).toBe('LOGGED_OUT');
    expect(closed.logout?.code).toBe(LogoutCode.LOGOUT_CODE_LOGGED_IN_ELSEWHERE);
  });

  it('stops a player saved elsewhere with CONFLICTING_LOGIN', async () => {
    const { g, playerId } = await withCharacter();
    await g.enter(playerId);
    await waitFor(async () => (await store.load(playerId))!.modules.profile, (p: any) => p.last_login_ms > 0);
    await seedItems(playerId, { '2002': 1 });
    // A rename saves at once, and that save finds the newer version: the
    // player is logged out and the gate closes the session, so the rename
    // itself ends with the connection.
    const renamed = await g.rename(uniqueName()).catch((error: unknown) => error);
    expect(renamed).toMatchObject({ code: 'LOGGED_OUT', logout: { code: LogoutCode.LOGOUT_CODE_CONFLICTING_LOGIN } });
    const logout = ServerLogout.decode((await g.nextPush(Module.MODULE_SYSTEM, SystemSeq.SYSTEM_SEQ_SERVER_LOGOUT)).data);
    expect(logout.code).toBe(LogoutCode.LOGOUT_CODE_CONFLICTING_LOGIN);
  });

  it('flushes every player on SIGTERM: the state is there after a restart', async () => {
    const { player, g, playerId } = await withCharacter();
    await seedItems(playerId, { '2002': 9 });
    await g.enter(playerId);
    await g.removeItem(2002, 4);
    expect(await cluster.processes.roma!.stop()).toBe(0);
    expect((await store.load(playerId))!.modules.inventory).toEqual({ items: { '2002': 5 } });
    await cluster.start('roma');
    const again = await connect(player);
    await waitFor(() => again.enter(playerId).catch(() => undefined), (r) => r?.result === GameResult.GAME_RESULT_OK);
    expect((await again.items()).items).toEqual([{ itemId: 2002, count: 5 }]);
  }, 60_000);
});

async function waitFor<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value ${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
