// The one behaviour every storage adapter must have, run against each backend
// by lmdb.test.ts, postgres.test.ts and mongodb.test.ts. Stores are opened the
// way services open them (openStores from config); every test gets an empty
// storage space of its own, and "two instances" means two separate openStores
// over the same space (separate connections, as two processes would have).
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PantheonConfig } from '../../src/common/config/index.js';
import { FIRST_ACCOUNT_ID, FIRST_PLAYER_ID, openStores, type AccountStore, type PlayerDoc, type PlayerStore, type Stores } from '../../src/store/index.js';

export interface StoreSpace {
  /** data_dir and storage for openStores, pointing at an empty space. */
  config: Pick<PantheonConfig, 'data_dir' | 'storage'>;
  dispose(): Promise<void>;
}

const silent = pino({ level: 'silent' });
/** Above Number.MAX_SAFE_INTEGER: a store that goes through a JS number loses these. */
const BIG = 2n ** 53n + 17n;
const MAX_INT64 = 2n ** 63n - 1n;

export function storeContract(newSpace: () => Promise<StoreSpace>): void {
  let space: StoreSpace;
  const opened: Stores[] = [];
  /** A separate instance over the same data, closed after the test. */
  const instance = () => {
    const stores = openStores(space.config, silent);
    opened.push(stores);
    return stores;
  };

  beforeEach(async () => {
    space = await newSpace();
  });

  afterEach(async () => {
    for (const stores of opened.splice(0)) await stores.close();
    await space.dispose();
  });

  describe('PlayerStore', () => {
    let players: PlayerStore;
    beforeEach(async () => {
      players = await instance().players();
    });
    playerDocuments(() => players, () => instance().players());
    playerNames(() => players, () => instance().players());
    playerIdsAndLifecycle(() => players, () => instance().players());
  });

  describe('AccountStore', () => {
    let accounts: AccountStore;
    beforeEach(async () => {
      accounts = await instance().accounts();
    });
    accountContract(() => accounts, () => instance().accounts());
  });
}

const player = (playerId: bigint, overrides: Partial<PlayerDoc> = {}): PlayerDoc => ({
  playerId,
  accountId: BIG + 1n,
  zone: 7,
  version: 0,
  modules: { bag: { gold: 10, items: ['sword'] } },
  updatedAtMs: 1_700_000_000_000,
  ...overrides,
});

async function expectStoreError(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'StoreError', code });
}

function playerDocuments(store: () => PlayerStore, second: () => Promise<PlayerStore>): void {
  it('creates a player and loads it back exactly, ids above 2^53 included', async () => {
    const doc = player(BIG, { accountId: MAX_INT64 });
    await store().create(doc);
    expect(await store().load(BIG)).toEqual(doc);
  });

  it('refuses to create an id that exists with STORE_CONFLICT and keeps the first document', async () => {
    await store().create(player(BIG));
    await expectStoreError(store().create(player(BIG, { zone: 8, modules: {} })), 'STORE_CONFLICT');
    expect((await store().load(BIG))!.zone).toBe(7);
  });

  it('loads nothing for an unknown id', async () => {
    expect(await store().load(123n)).toBeUndefined();
  });

  it('saves with the expected version, bumping it by one and replacing the modules', async () => {
    await store().create(player(BIG));
    expect(await store().save(BIG, 0, { hero: { level: 2 } }, 1_700_000_000_500)).toEqual({ ok: true, version: 1 });
    expect(await store().save(BIG, 1, { hero: { level: 3 } }, 1_700_000_000_900)).toEqual({ ok: true, version: 2 });
    expect(await store().load(BIG)).toEqual(player(BIG, { version: 2, modules: { hero: { level: 3 } }, updatedAtMs: 1_700_000_000_900 }));
  });

  it('refuses a save with a stale version, reports the current one and changes nothing', async () => {
    await store().create(player(BIG));
    await store().save(BIG, 0, { a: 1 }, 2);
    expect(await store().save(BIG, 0, { a: 'stale' }, 3)).toEqual({ ok: false, reason: 'version_conflict', currentVersion: 1 });
    expect(await store().load(BIG)).toMatchObject({ version: 1, modules: { a: 1 }, updatedAtMs: 2 });
  });

  it('reports not_found when saving an unknown player', async () => {
    expect(await store().save(456n, 0, {}, 1)).toEqual({ ok: false, reason: 'not_found' });
  });

  it('lets exactly one of two racing saves of the same version win, from two instances', async () => {
    const other = await second();
    await store().create(player(BIG));
    for (let version = 0; version < 10; version++) {
      const outcomes = await Promise.all([store().save(BIG, version, { by: 'a', version }, 10), other.save(BIG, version, { by: 'b', version }, 10)]);
      expect(outcomes.filter((outcome) => outcome.ok)).toEqual([{ ok: true, version: version + 1 }]);
      expect(outcomes.filter((outcome) => !outcome.ok)).toEqual([{ ok: false, reason: 'version_conflict', currentVersion: version + 1 }]);
      const winner = outcomes[0].ok ? 'a' : 'b';
      expect((await other.load(BIG))!.modules).toEqual({ by: winner, version });
    }
  });

  it('keeps a module state of a few megabytes intact', async () => {
    const inventory = Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `item-${i}-${'x'.repeat(64)}`, tags: ['a', 'b'], weight: i / 7 }));
    const modules = { inventory: { items: inventory }, quests: { log: 'y'.repeat(500_000) } };
    await store().create(player(BIG, { modules }));
    await store().save(BIG, 0, { ...modules, extra: { n: 1 } }, 5);
    expect(await store().load(BIG)).toEqual(player(BIG, { version: 1, modules: { ...modules, extra: { n: 1 } }, updatedAtMs: 5 }));
  });

  it('round-trips any JSON-serialisable state, awkward keys included', async () => {
    const modules = {
      'with.dot': { $dollar: 1, '': 'empty key', nested: [1, [2, [3]], { deep: null }] },
      unicode: { 'ключ': 'значение', emoji: '🎮', nul: 'a\u0001b' },
      numbers: { int: -42, float: 3.25, big: 9_007_199_254_740_991, tiny: 1e-9, zero: 0 },
      flags: [true, false, null],
    };
    await store().create(player(BIG, { modules }));
    expect((await store().load(BIG))!.modules).toEqual(modules);
  });

  it('refuses module state that JSON cannot carry with STORE_INVALID', async () => {
    await expectStoreError(store().create(player(BIG, { modules: { bad: { id: 1n } } })), 'STORE_INVALID');
    await store().create(player(BIG));
    await expectStoreError(store().save(BIG, 0, [] as unknown as Record<string, unknown>, 1), 'STORE_INVALID');
    expect((await store().load(BIG))!.version).toBe(0);
  });

  it("lists an account's players in id order and no one else's", async () => {
    await store().create(player(BIG + 2n, { accountId: BIG }));
    await store().create(player(5n, { accountId: BIG }));
    await store().create(player(BIG + 1n, { accountId: 9n }));
    expect((await store().listByAccount(BIG)).map((doc) => doc.playerId)).toEqual([5n, BIG + 2n]);
    expect(await store().listByAccount(BIG + 99n)).toEqual([]);
  });
}

function playerNames(store: () => PlayerStore, second: () => Promise<PlayerStore>): void {
  it('gives a name to one player per zone, whatever its case or Unicode form', async () => {
    expect(await store().claimName(1, 'Alice', BIG)).toEqual({ ok: true });
    expect(await store().claimName(1, 'ALICE', BIG + 1n)).toEqual({ ok: false, reason: 'name_taken' });
    expect(await store().claimName(2, 'alice', BIG + 1n)).toEqual({ ok: true });
    expect(await store().claimName(1, 'Zo\u00eb', 1n)).toEqual({ ok: true });
    expect(await store().claimName(1, 'ZOE\u0308', 2n)).toEqual({ ok: false, reason: 'name_taken' });
  });

  it('gives a name to exactly one of many racing claims, from two instances', async () => {
    const other = await second();
    const claims = ['Racer', 'RACER', 'racer', 'rAcEr', 'Racer', 'racER'].map((name, i) => (i % 2 ? other : store()).claimName(3, name, BIG + BigInt(i)));
    const outcomes = await Promise.all(claims);
    const winners = outcomes.flatMap((outcome, i) => (outcome.ok ? [BIG + BigInt(i)] : []));
    expect(winners).toHaveLength(1);
    expect((await store().searchByName(3, 'racer', 10)).map((entry) => entry.playerId)).toEqual(winners);
  });

  it('lets the holder claim its name again with new casing', async () => {
    await store().claimName(1, 'alice', BIG);
    expect(await store().claimName(1, 'ALICE', BIG)).toEqual({ ok: true });
    expect(await store().searchByName(1, 'a', 10)).toEqual([{ playerId: BIG, name: 'ALICE' }]);
  });

  it('releases a name only for its holder', async () => {
    await store().claimName(1, 'Bob', BIG);
    expect(await store().releaseName(1, 'bob', BIG + 1n)).toBe(false);
    expect(await store().claimName(1, 'bob', BIG + 1n)).toEqual({ ok: false, reason: 'name_taken' });
    expect(await store().releaseName(2, 'Bob', BIG)).toBe(false);
    expect(await store().releaseName(1, 'BOB', BIG)).toBe(true);
    expect(await store().releaseName(1, 'Bob', BIG)).toBe(false);
    expect(await store().claimName(1, 'bob', BIG + 1n)).toEqual({ ok: true });
  });

  it('finds names by case-insensitive prefix in name order, within the zone and the limit', async () => {
    const names = ['Bob', 'bobby', 'BOBCAT', 'Alice', 'bo_b', 'bo%x', 'bo\\z'];
    for (const [i, name] of names.entries()) await store().claimName(4, name, BigInt(i + 1));
    await store().claimName(5, 'bobo', 99n);
    expect(await store().searchByName(4, 'BOB', 10)).toEqual([
      { playerId: 1n, name: 'Bob' },
      { playerId: 2n, name: 'bobby' },
      { playerId: 3n, name: 'BOBCAT' },
    ]);
    expect((await store().searchByName(4, 'bob', 2)).map((entry) => entry.name)).toEqual(['Bob', 'bobby']);
    // LIKE and regex wildcards in a prefix are plain characters.
    expect((await store().searchByName(4, 'bo_', 10)).map((entry) => entry.name)).toEqual(['bo_b']);
    expect((await store().searchByName(4, 'bo%', 10)).map((entry) => entry.name)).toEqual(['bo%x']);
    expect((await store().searchByName(4, 'bo\\', 10)).map((entry) => entry.name)).toEqual(['bo\\z']);
    expect((await store().searchByName(4, '', 100)).map((entry) => entry.name)).toEqual(['Alice', 'bo%x', 'bo\\z', 'bo_b', 'Bob', 'bobby', 'BOBCAT']);
    expect(await store().searchByName(4, 'zed', 10)).toEqual([]);
  });
}

function playerIdsAndLifecycle(store: () => PlayerStore, second: () => Promise<PlayerStore>): void {
  it('allocates increasing ids, unique across two instances allocating at once', async () => {
    const other = await second();
    const [fromFirst, fromSecond] = await Promise.all([sequential(40, () => store().allocatePlayerId()), sequential(40, () => other.allocatePlayerId())]);
    const concurrent = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? other : store()).allocatePlayerId()));
    const all = [...fromFirst, ...fromSecond, ...concurrent];
    expect(new Set(all).size).toBe(all.length);
    expect(all.every((id) => id >= FIRST_PLAYER_ID)).toBe(true);
    for (const ids of [fromFirst, fromSecond]) expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
  });

  it('refuses ids outside int64, empty or long names and bad limits with STORE_INVALID', async () => {
    await expectStoreError(store().load(2n ** 63n), 'STORE_INVALID');
    await expectStoreError(store().create(player(-1n)), 'STORE_INVALID');
    await expectStoreError(store().claimName(1, '', 1n), 'STORE_INVALID');
    await expectStoreError(store().claimName(1, 'x'.repeat(65), 1n), 'STORE_INVALID');
    await expectStoreError(store().claimName(-1, 'x', 1n), 'STORE_INVALID');
    await expectStoreError(store().searchByName(1, 'x', 0), 'STORE_INVALID');
    await expectStoreError(store().save(1n, -1, {}, 1), 'STORE_INVALID');
  });

  it('keeps players, names and the id counter across a reopen', async () => {
    const allocated = await store().allocatePlayerId();
    await store().create(player(allocated));
    await store().claimName(7, 'Keeper', allocated);
    await store().close();
    const reopened = await second();
    expect(await reopened.load(allocated)).toEqual(player(allocated));
    expect(await reopened.searchByName(7, 'kee', 5)).toEqual([{ playerId: allocated, name: 'Keeper' }]);
    expect(await reopened.allocatePlayerId()).toBeGreaterThan(allocated);
  });

  it('refuses use after close with STORE_CLOSED, and closing twice is harmless', async () => {
    await store().close();
    await store().close();
    await expectStoreError(store().load(1n), 'STORE_CLOSED');
    await expectStoreError(store().allocatePlayerId(), 'STORE_CLOSED');
  });
}

async function sequential<T>(count: number, next: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < count; i++) results.push(await next());
  return results;
}

const digest = (byte: number) => Buffer.alloc(32, byte);
const NOW = 1_700_000_000_000;

function accountContract(store: () => AccountStore, second: () => Promise<AccountStore>): void {
  const newUser = (username: string) => ({ username, usernameKey: username.toLowerCase(), passwordHash: '$scrypt$x', nowMs: NOW });

  it('registers a user and finds it by username key and by id', async () => {
    const alice = await store().createUserAccount(newUser('Alice'));
    const expected = { accountId: alice!.accountId, username: 'Alice', guest: false, passwordHash: '$scrypt$x', createdAtMs: NOW, lastLoginAtMs: NOW };
    expect(alice).toEqual(expected);
    expect(await store().findByUsername('alice')).toEqual(expected);
    expect(await store().getAccount(alice!.accountId)).toEqual(expected);
  });

  it('finds nothing for unknown usernames and ids', async () => {
    expect(await store().findByUsername('nobody')).toBeUndefined();
    expect(await store().getAccount(BIG)).toBeUndefined();
  });

  it('gives a username to exactly one of many concurrent registrations, from two instances', async () => {
    const other = await second();
    const results = await Promise.all(['carol', 'Carol', 'CAROL', 'carol', 'cArOl', 'caROL'].map((name, i) => (i % 2 ? other : store()).createUserAccount(newUser(name))));
    const winners = results.filter((result) => result !== undefined);
    expect(winners).toHaveLength(1);
    expect(await store().findByUsername('carol')).toEqual(winners[0]);
    expect(await store().createUserAccount(newUser('dave'))).toBeDefined();
  });

  it('allocates distinct, increasing account ids to users and guests from one counter', async () => {
    const ids = [
      (await store().createUserAccount(newUser('u1')))!.accountId,
      (await store().findOrCreateGuest('device-1', NOW)).account.accountId,
      (await store().createUserAccount(newUser('u2')))!.accountId,
    ];
    expect(ids[0]).toBeGreaterThanOrEqual(FIRST_ACCOUNT_ID);
    expect(ids[1]).toBeGreaterThan(ids[0]);
    expect(ids[2]).toBeGreaterThan(ids[1]);
  });

  it('returns the same guest account for a device, creating it once even under concurrency', async () => {
    const other = await second();
    const logins = await Promise.all([1, 2, 3, 4].map((i) => (i % 2 ? other : store()).findOrCreateGuest('device-abcd', NOW)));
    expect(new Set(logins.map((login) => login.account.accountId)).size).toBe(1);
    expect(logins.filter((login) => login.created)).toHaveLength(1);
    expect(logins[0].account).toMatchObject({ username: '', guest: true, createdAtMs: NOW });
    expect(logins[0].account.passwordHash).toBeUndefined();
    expect(await store().findOrCreateGuest('device-abcd', NOW + 1)).toEqual({ account: logins[0].account, created: false });
    expect(await store().findOrCreateGuest('device-other', NOW)).toMatchObject({ created: true });
  });

  it('records the last login time', async () => {
    const alice = await store().createUserAccount(newUser('alice'));
    await store().recordLogin(alice!.accountId, NOW + 7_777);
    expect(await store().getAccount(alice!.accountId)).toMatchObject({ createdAtMs: NOW, lastLoginAtMs: NOW + 7_777 });
  });

  it('stores, reads, overwrites and deletes sessions by digest, account ids above 2^53 included', async () => {
    await store().putSession(digest(1), { accountId: BIG, expiresAtMs: NOW + 10 });
    expect(await store().getSession(digest(1))).toEqual({ accountId: BIG, expiresAtMs: NOW + 10 });
    await store().putSession(digest(1), { accountId: MAX_INT64, expiresAtMs: NOW + 20 });
    expect(await store().getSession(digest(1))).toEqual({ accountId: MAX_INT64, expiresAtMs: NOW + 20 });
    expect(await store().getSession(digest(2))).toBeUndefined();
    await store().deleteSession(digest(1));
    expect(await store().getSession(digest(1))).toBeUndefined();
  });

  it('lets only one of two racing refreshes replace a session, from two instances', async () => {
    const other = await second();
    await store().putSession(digest(1), { accountId: 1n, expiresAtMs: NOW + 10_000 });
    const outcomes = await Promise.all([
      store().replaceSession(digest(1), digest(2), { accountId: 1n, expiresAtMs: NOW + 20_000 }, NOW),
      other.replaceSession(digest(1), digest(3), { accountId: 1n, expiresAtMs: NOW + 20_000 }, NOW),
    ]);
    expect([...outcomes].sort()).toEqual([false, true]);
    expect(await store().getSession(digest(1))).toBeUndefined();
    const winner = outcomes[0] ? digest(2) : digest(3);
    expect(await store().getSession(winner)).toEqual({ accountId: 1n, expiresAtMs: NOW + 20_000 });
  });

  it('refuses to replace an expired or missing session and writes nothing', async () => {
    await store().putSession(digest(1), { accountId: 1n, expiresAtMs: NOW });
    expect(await store().replaceSession(digest(1), digest(2), { accountId: 1n, expiresAtMs: NOW + 20_000 }, NOW)).toBe(false);
    expect(await store().replaceSession(digest(9), digest(3), { accountId: 1n, expiresAtMs: NOW + 20_000 }, NOW)).toBe(false);
    expect(await store().getSession(digest(2))).toBeUndefined();
    expect(await store().getSession(digest(3))).toBeUndefined();
  });

  it('sweeps only expired sessions', async () => {
    await store().putSession(digest(1), { accountId: 1n, expiresAtMs: NOW - 1 });
    await store().putSession(digest(2), { accountId: 1n, expiresAtMs: NOW });
    await store().putSession(digest(3), { accountId: 1n, expiresAtMs: NOW + 1 });
    expect(await store().deleteExpiredSessions(NOW)).toBe(2);
    expect(await store().getSession(digest(1))).toBeUndefined();
    expect(await store().getSession(digest(2))).toBeUndefined();
    expect(await store().getSession(digest(3))).toBeDefined();
  });

  it('keeps accounts, guests, sessions and the id counter across a reopen', async () => {
    const alice = await store().createUserAccount(newUser('Alice'));
    const guest = await store().findOrCreateGuest('device-keep', NOW);
    await store().putSession(digest(1), { accountId: alice!.accountId, expiresAtMs: NOW + 9 });
    await store().close();
    const reopened = await second();
    expect(await reopened.findByUsername('alice')).toEqual(alice);
    expect(await reopened.findOrCreateGuest('device-keep', NOW)).toEqual({ account: guest.account, created: false });
    expect(await reopened.getSession(digest(1))).toEqual({ accountId: alice!.accountId, expiresAtMs: NOW + 9 });
    expect((await reopened.createUserAccount(newUser('bob')))!.accountId).toBeGreaterThan(guest.account.accountId);
  });
}
