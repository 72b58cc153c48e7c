import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenStatus } from '../../src/gen/pantheon/auth/v1/token.js';
import { loadGateSigningKeys, loadTokenKeys } from '../../src/security/keys.js';
import { openToken } from '../../src/security/token.js';
import { Accounts } from '../../src/services/lares/biz/accounts.js';
import { ThrottledError } from '../../src/services/lares/biz/errors.js';
import type { PasswordHasher } from '../../src/services/lares/biz/password-hasher.js';
import { Sessions, sessionDigest } from '../../src/services/lares/biz/sessions.js';
import { LoginThrottle } from '../../src/services/lares/biz/throttle.js';
import { Tokens } from '../../src/services/lares/biz/tokens.js';
import { parseCredentials } from '../../src/services/lares/biz/validation.js';
import { LmdbAccountStore } from '../../src/services/lares/data/lmdb-account-store.js';
import { hashPassword, verifyPassword } from '../../src/services/lares/hash/scrypt.js';

const SESSION_TTL_MS = 60_000;

/** The real scrypt code, run inline instead of in the pool, counting the work it does. */
class CountingHasher implements PasswordHasher {
  calls = 0;
  async hash(password: string): Promise<string> {
    this.calls++;
    return hashPassword(password);
  }
  async verify(password: string, stored: string): Promise<boolean> {
    this.calls++;
    return verifyPassword(password, stored);
  }
}

describe('Lares domain', () => {
  let dir: string;
  let store: LmdbAccountStore;
  let hasher: CountingHasher;
  let nowMs: number;
  let sessions: Sessions;
  let accounts: Accounts;
  let tokens: Tokens;
  const logger = pino({ level: 'silent' });
  const creds = (username: string, password = 'password1') => parseCredentials({ username, password });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lares-biz-'));
    store = LmdbAccountStore.open(join(dir, 'lares'));
    hasher = new CountingHasher();
    nowMs = 1_700_000_000_000;
    const now = () => nowMs;
    sessions = new Sessions({ store, ttlMs: SESSION_TTL_MS, logger, now });
    const throttle = new LoginThrottle({ per_username: { max_failures: 3, window_ms: 60_000 }, per_ip: { max_failures: 100, window_ms: 60_000 } });
    accounts = new Accounts({ store, hasher, sessions, throttle, logger, now });
    const secrets = join(dir, 'secrets');
    tokens = new Tokens({ sessions, tokenKeys: loadTokenKeys(secrets, true), gateKeys: loadGateSigningKeys(secrets, true), gates: { ws: ['ws://g/ws'], tcp: ['g:1'] }, zone: 7, ttlMs: 5_000, logger, now });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers an account and logs it in with a session that expires after the session ttl', async () => {
    const registered = await accounts.register(creds('Alice'));
    expect(registered.accountId).toBe(1_000_001n);
    expect(registered.expiresAtMs).toBe(nowMs + SESSION_TTL_MS);
    expect(registered.session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const loggedIn = await accounts.login(creds('alice'), 'ip');
    expect(loggedIn.accountId).toBe(1_000_001n);
    expect(loggedIn.session).not.toBe(registered.session);
  });

  it('stores a password hash, never the password', async () => {
    const { accountId } = await accounts.register(creds('alice', 'secret-pass'));
    const record = await store.getAccount(accountId);
    expect(record!.passwordHash).toMatch(/^\$scrypt\$/);
    expect(record!.passwordHash).not.toContain('secret-pass');
  });

  it('stores only the SHA-256 of a session, never the session itself', async () => {
    const { session } = await accounts.register(creds('alice'));
    expect(await store.getSession(Buffer.from(session, 'utf8'))).toBeUndefined();
    expect(await store.getSession(sessionDigest(session))).toBeDefined();
  });

  it('refuses a taken username case-insensitively without hashing', async () => {
    await accounts.register(creds('alice'));
    const before = hasher.calls;
    await expect(accounts.register(creds('ALICE'))).rejects.toMatchObject({ code: 'USERNAME_TAKEN' });
    expect(hasher.calls).toBe(before);
  });

  it('refuses a wrong password and an unknown username with the same message', async () => {
    await accounts.register(creds('alice'));
    const wrong = await accounts.login(creds('alice', 'password2'), 'ip').catch((error: unknown) => error);
    const unknown = await accounts.login(creds('nobody'), 'ip').catch((error: unknown) => error);
    expect(wrong).toMatchObject({ code: 'UNAUTHORIZED', message: 'username or password is wrong' });
    expect(unknown).toMatchObject({ code: 'UNAUTHORIZED', message: 'username or password is wrong' });
  });

  it('spends a hash on an unknown username so timing does not reveal which names exist', async () => {
    await accounts.prepare();
    const before = hasher.calls;
    await accounts.login(creds('nobody'), 'ip').catch(() => undefined);
    expect(hasher.calls).toBe(before + 1);
  });

  it('throttles a username before hashing once its failures reach the limit', async () => {
    await accounts.register(creds('alice'));
    for (let i = 0; i < 3; i++) await expect(accounts.login(creds('alice', 'wrong-pass'), `ip${i}`)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const before = hasher.calls;
    const error = await accounts.login(creds('alice'), 'ip-fresh').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterMs).toBe(60_000);
    expect(hasher.calls).toBe(before);
  });

  it('a successful login clears the username failure count', async () => {
    await accounts.register(creds('alice'));
    for (let i = 0; i < 2; i++) await accounts.login(creds('alice', 'wrong-pass'), 'ip').catch(() => undefined);
    await accounts.login(creds('alice'), 'ip');
    for (let i = 0; i < 2; i++) await accounts.login(creds('alice', 'wrong-pass'), 'ip').catch(() => undefined);
    await expect(accounts.login(creds('alice'), 'ip')).resolves.toMatchObject({ accountId: 1_000_001n });
  });

  it('logs a guest device into the same account every time and records the login', async () => {
    const first = await accounts.loginGuest('device-0001');
    nowMs += 1_000;
    const second = await accounts.loginGuest('device-0001');
    expect(second.accountId).toBe(first.accountId);
    expect(second.session).not.toBe(first.session);
    expect(await accounts.get(first.accountId)).toMatchObject({ guest: true, username: '', lastLoginAtMs: nowMs });
  });

  it('refuses an expired session and forgets it', async () => {
    const { session } = await accounts.register(creds('alice'));
    nowMs += SESSION_TTL_MS;
    await expect(sessions.accountOf(session)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await store.getSession(sessionDigest(session))).toBeUndefined();
  });

  it('refresh issues a new session and invalidates the old one', async () => {
    const { session } = await accounts.register(creds('alice'));
    nowMs += 10_000;
    const refreshed = await sessions.refresh(session);
    expect(refreshed.expiresAtMs).toBe(nowMs + SESSION_TTL_MS);
    expect(await sessions.accountOf(refreshed.session)).toBe(1_000_001n);
    await expect(sessions.accountOf(session)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(sessions.refresh(session)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('issues a sealed player token for the session account with the zone, colour, ttl and a 16-byte jti', async () => {
    const { session, accountId } = await accounts.register(creds('alice'));
    const issued = await tokens.issue(session, 'qa');
    const opened = openToken(issued.token, loadTokenKeys(join(dir, 'secrets'), false));
    if (!opened.ok) throw new Error(`token did not open: ${opened.reason}`);
    expect(opened.token).toMatchObject({ accountId, color: 'qa', serverId: 7n, status: TokenStatus.TOKEN_STATUS_PLAYER, issuedAtMs: BigInt(nowMs), expiresAtMs: BigInt(nowMs + 5_000) });
    expect(opened.token.jti).toHaveLength(16);
    expect(issued.expiresAtMs).toBe(nowMs + 5_000);
    expect(issued.gateKeys).toHaveLength(1);
    expect(issued.gateKeys[0].publicRaw).toHaveLength(32);
  });

  it('gives every token a fresh jti', async () => {
    const { session } = await accounts.register(creds('alice'));
    const keyring = loadTokenKeys(join(dir, 'secrets'), false);
    const jtis = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const opened = openToken((await tokens.issue(session, '')).token, keyring);
      if (opened.ok) jtis.add(Buffer.from(opened.token.jti).toString('hex'));
    }
    expect(jtis.size).toBe(5);
  });

  it('refuses a token for an unknown session', async () => {
    await expect(tokens.issue('not-a-session', '')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
