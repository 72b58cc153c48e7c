import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIRST_ACCOUNT_ID, LmdbAccountStore } from '../../src/services/lares/data/lmdb-account-store.js';

const digest = (byte: number) => Buffer.alloc(32, byte);

describe('LmdbAccountStore', () => {
  let dir: string;
  let store: LmdbAccountStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lares-store-'));
    store = LmdbAccountStore.open(join(dir, 'lares'));
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const newUser = (username: string) => ({ username, usernameKey: username.toLowerCase(), passwordHash: '$scrypt$x', nowMs: 1_000 });

  it('allocates account ids from 1000001 upwards across users and guests', async () => {
    expect(FIRST_ACCOUNT_ID).toBe(1_000_001n);
    expect((await store.createUserAccount(newUser('alice')))!.accountId).toBe(1_000_001n);
    expect((await store.findOrCreateGuest('device-0001', 2_000)).account.accountId).toBe(1_000_002n);
    expect((await store.createUserAccount(newUser('bob')))!.accountId).toBe(1_000_003n);
  });

  it('gives a username to exactly one of many concurrent registrations', async () => {
    const results = await Promise.all(['carol', 'Carol', 'CAROL', 'carol', 'cArOl'].map((name) => store.createUserAccount(newUser(name))));
    expect(results.filter((result) => result !== undefined)).toHaveLength(1);
    expect((await store.createUserAccount(newUser('dave')))!.accountId).toBe(1_000_002n);
  });

  it('keeps accounts, the id counter and sessions across a reopen', async () => {
    const alice = await store.createUserAccount(newUser('Alice'));
    await store.putSession(digest(1), { accountId: alice!.accountId, expiresAtMs: 9_000 });
    await store.close();
    store = LmdbAccountStore.open(join(dir, 'lares'));
    expect(await store.findByUsername('alice')).toEqual({ accountId: 1_000_001n, username: 'Alice', guest: false, passwordHash: '$scrypt$x', createdAtMs: 1_000, lastLoginAtMs: 1_000 });
    expect(await store.getSession(digest(1))).toEqual({ accountId: 1_000_001n, expiresAtMs: 9_000 });
    expect((await store.createUserAccount(newUser('bob')))!.accountId).toBe(1_000_002n);
  });

  it('returns the same guest account for a device, creating it once even under concurrency', async () => {
    const logins = await Promise.all([1, 2, 3].map(() => store.findOrCreateGuest('device-abcd', 5_000)));
    expect(new Set(logins.map((login) => login.account.accountId)).size).toBe(1);
    expect(logins.filter((login) => login.created)).toHaveLength(1);
    expect(logins[0].account).toMatchObject({ username: '', guest: true });
    expect(await store.findOrCreateGuest('device-other', 5_000)).toMatchObject({ created: true });
  });

  it('records the last login time', async () => {
    const alice = await store.createUserAccount(newUser('alice'));
    await store.recordLogin(alice!.accountId, 7_777);
    expect((await store.getAccount(alice!.accountId))!.lastLoginAtMs).toBe(7_777);
  });

  it('lets only one of two racing refreshes replace a session', async () => {
    await store.putSession(digest(1), { accountId: 1n, expiresAtMs: 10_000 });
    const outcomes = await Promise.all([
      store.replaceSession(digest(1), digest(2), { accountId: 1n, expiresAtMs: 20_000 }, 5_000),
      store.replaceSession(digest(1), digest(3), { accountId: 1n, expiresAtMs: 20_000 }, 5_000),
    ]);
    expect(outcomes.sort()).toEqual([false, true]);
    expect(await store.getSession(digest(1))).toBeUndefined();
  });

  it('refuses to replace an expired session', async () => {
    await store.putSession(digest(1), { accountId: 1n, expiresAtMs: 10_000 });
    expect(await store.replaceSession(digest(1), digest(2), { accountId: 1n, expiresAtMs: 20_000 }, 10_000)).toBe(false);
    expect(await store.getSession(digest(2))).toBeUndefined();
  });

  it('sweeps only expired sessions', async () => {
    await store.putSession(digest(1), { accountId: 1n, expiresAtMs: 1_000 });
    await store.putSession(digest(2), { accountId: 1n, expiresAtMs: 3_000 });
    expect(await store.deleteExpiredSessions(2_000)).toBe(1);
    expect(await store.getSession(digest(1))).toBeUndefined();
    expect(await store.getSession(digest(2))).toBeDefined();
  });
});
