// The embedded AccountStore: one LMDB environment under <data_dir>/lares with
// a sub-database per index. Every multi-key change (claim a name + allocate an
// id + write the account; swap a session) runs in one write transaction, so
// concurrent requests can neither share a username nor both refresh a session.
import { mkdirSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import { FIRST_ACCOUNT_ID, type AccountRecord, type AccountStore, type GuestLogin, type NewUserAccount, type SessionRecord } from '../account-store.js';
import { StoreError, storeClosed } from '../errors.js';

const NEXT_ID_KEY = 'next_account_id';

// Stored shapes: bigints as decimal strings so the encoding never depends on msgpack's bigint handling.
interface StoredAccount {
  username: string;
  guest: boolean;
  password_hash?: string;
  created_at_ms: number;
  last_login_at_ms: number;
}

interface StoredSession {
  account_id: string;
  expires_at_ms: number;
}

export class LmdbAccountStore implements AccountStore {
  private readonly accounts: Database<StoredAccount, string>;
  private readonly usernames: Database<string, string>;
  private readonly devices: Database<string, string>;
  private readonly sessions: Database<StoredSession, Buffer>;
  private readonly meta: Database<string, string>;

  private closed = false;

  private constructor(private readonly root: RootDatabase) {
    this.accounts = root.openDB({ name: 'accounts' });
    this.usernames = root.openDB({ name: 'usernames' });
    this.devices = root.openDB({ name: 'devices' });
    this.sessions = root.openDB({ name: 'sessions', keyEncoding: 'binary' });
    this.meta = root.openDB({ name: 'meta' });
  }

  static open(dir: string): LmdbAccountStore {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return new LmdbAccountStore(open({ path: dir, compression: false }));
  }

  async createUserAccount(account: NewUserAccount): Promise<AccountRecord | undefined> {
    this.assertOpen();
    return this.root.transaction(() => {
      if (this.usernames.get(account.usernameKey) !== undefined) return undefined;
      const accountId = this.allocateId();
      const stored: StoredAccount = {
        username: account.username,
        guest: false,
        password_hash: account.passwordHash,
        created_at_ms: account.nowMs,
        last_login_at_ms: account.nowMs,
      };
      this.usernames.putSync(account.usernameKey, accountId.toString());
      this.accounts.putSync(accountId.toString(), stored);
      return toRecord(accountId, stored);
    });
  }

  async findByUsername(usernameKey: string): Promise<AccountRecord | undefined> {
    this.assertOpen();
    const id = this.usernames.get(usernameKey);
    return id === undefined ? undefined : this.getAccount(BigInt(id));
  }

  async findOrCreateGuest(deviceId: string, nowMs: number): Promise<GuestLogin> {
    this.assertOpen();
    const result = await this.root.transaction((): GuestLogin | undefined => {
      const existing = this.devices.get(deviceId);
      if (existing !== undefined) return undefined;
      const accountId = this.allocateId();
      const stored: StoredAccount = { username: '', guest: true, created_at_ms: nowMs, last_login_at_ms: nowMs };
      this.devices.putSync(deviceId, accountId.toString());
      this.accounts.putSync(accountId.toString(), stored);
      return { account: toRecord(accountId, stored), created: true };
    });
    if (result) return result;
    const account = await this.getAccount(BigInt(this.devices.get(deviceId)!));
    // The device index points only at accounts written in the same transaction, so absence is corruption.
    if (!account) throw new StoreError('STORE_CORRUPT', `the device index points at missing account ${this.devices.get(deviceId)}; restore <data_dir>/lares from a backup`);
    return { account, created: false };
  }

  async getAccount(accountId: bigint): Promise<AccountRecord | undefined> {
    this.assertOpen();
    const stored = this.accounts.get(accountId.toString());
    return stored === undefined ? undefined : toRecord(accountId, stored);
  }

  async recordLogin(accountId: bigint, nowMs: number): Promise<void> {
    this.assertOpen();
    const key = accountId.toString();
    await this.root.transaction(() => {
      const stored = this.accounts.get(key);
      if (stored) this.accounts.putSync(key, { ...stored, last_login_at_ms: nowMs });
    });
  }

  async putSession(digest: Buffer, session: SessionRecord): Promise<void> {
    this.assertOpen();
    await this.sessions.put(digest, toStoredSession(session));
  }

  async getSession(digest: Buffer): Promise<SessionRecord | undefined> {
    this.assertOpen();
    const stored = this.sessions.get(digest);
    return stored === undefined ? undefined : { accountId: BigInt(stored.account_id), expiresAtMs: stored.expires_at_ms };
  }

  async replaceSession(oldDigest: Buffer, newDigest: Buffer, session: SessionRecord, nowMs: number): Promise<boolean> {
    this.assertOpen();
    return this.root.transaction(() => {
      const old = this.sessions.get(oldDigest);
      if (old === undefined || old.expires_at_ms <= nowMs) return false;
      this.sessions.removeSync(oldDigest);
      this.sessions.putSync(newDigest, toStoredSession(session));
      return true;
    });
  }

  async deleteSession(digest: Buffer): Promise<void> {
    this.assertOpen();
    await this.sessions.remove(digest);
  }

  async deleteExpiredSessions(nowMs: number): Promise<number> {
    this.assertOpen();
    const expired: Buffer[] = [];
    // Copy each key: range iteration may hand out views of LMDB's memory that are reused.
    for (const { key, value } of this.sessions.getRange()) if (value.expires_at_ms <= nowMs) expired.push(Buffer.from(key));
    if (expired.length === 0) return 0;
    await this.root.transaction(() => {
      for (const key of expired) this.sessions.removeSync(key);
    });
    return expired.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.root.close();
  }

  private assertOpen(): void {
    if (this.closed) throw storeClosed('the LMDB account store');
  }

  /** Only inside a write transaction: the read-increment-write must not interleave. */
  private allocateId(): bigint {
    const stored = this.meta.get(NEXT_ID_KEY);
    const next = stored === undefined ? FIRST_ACCOUNT_ID : BigInt(stored);
    this.meta.putSync(NEXT_ID_KEY, (next + 1n).toString());
    return next;
  }
}

function toRecord(accountId: bigint, stored: StoredAccount): AccountRecord {
  return {
    accountId,
    username: stored.username,
    guest: stored.guest,
    ...(stored.password_hash === undefined ? {} : { passwordHash: stored.password_hash }),
    createdAtMs: stored.created_at_ms,
    lastLoginAtMs: stored.last_login_at_ms,
  };
}

function toStoredSession(session: SessionRecord): StoredSession {
  return { account_id: session.accountId.toString(), expires_at_ms: session.expiresAtMs };
}
