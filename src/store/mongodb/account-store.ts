// AccountStore on MongoDB, without multi-document transactions: each step is
// one atomic document operation, ordered so a crash between steps leaves only
// harmless leftovers (an unreferenced guest account, a lost session that
// means one more login) and never a reference to something missing.
import { Binary, type Collection, type Db } from 'mongodb';
import { FIRST_ACCOUNT_ID, type AccountRecord, type AccountStore, type GuestLogin, type NewUserAccount, type SessionRecord } from '../account-store.js';
import { checkId } from '../checks.js';
import { StoreError } from '../errors.js';
import { MongoConnection, isDuplicateKey, toBigInt } from './connection.js';

interface AccountDoc {
  _id: bigint;
  username: string;
  /** Absent for guests; the unique index covers only documents that have it. */
  username_key?: string;
  guest: boolean;
  password_hash?: string;
  created_at_ms: number;
  last_login_at_ms: number;
}

interface DeviceDoc {
  _id: string;
  account_id: bigint;
}

interface SessionDoc {
  _id: Binary;
  account_id: bigint;
  expires_at_ms: number;
}

export class MongoAccountStore implements AccountStore {
  private readonly accounts: Collection<AccountDoc>;
  private readonly devices: Collection<DeviceDoc>;
  private readonly sessions: Collection<SessionDoc>;

  private constructor(private readonly db: MongoConnection) {
    this.accounts = db.db.collection<AccountDoc>('lares_accounts');
    this.devices = db.db.collection<DeviceDoc>('lares_devices');
    this.sessions = db.db.collection<SessionDoc>('lares_sessions');
  }

  static async open(url: string, database: string): Promise<MongoAccountStore> {
    const prepare = async (db: Db) => {
      // Partial, so guests (no username_key) do not all collide on "missing".
      await db.collection('lares_accounts').createIndex({ username_key: 1 }, { name: 'unique_username', unique: true, partialFilterExpression: { username_key: { $type: 'string' } } });
      await db.collection('lares_sessions').createIndex({ expires_at_ms: 1 }, { name: 'by_expiry' });
    };
    return new MongoAccountStore(await MongoConnection.open({ url, database, what: 'the MongoDB account store', prepare }));
  }

  createUserAccount(account: NewUserAccount): Promise<AccountRecord | undefined> {
    return this.db.run('createUserAccount', async () => {
      // The id is taken before the insert, so a lost race leaves a gap in the ids (harmless).
      const accountId = await this.db.nextCounter('lares_account_id', FIRST_ACCOUNT_ID);
      const doc: AccountDoc = {
        _id: accountId,
        username: account.username,
        username_key: account.usernameKey,
        guest: false,
        password_hash: account.passwordHash,
        created_at_ms: account.nowMs,
        last_login_at_ms: account.nowMs,
      };
      try {
        await this.accounts.insertOne(doc);
      } catch (error) {
        if (isDuplicateKey(error)) return undefined;
        throw error;
      }
      return toRecord(doc);
    });
  }

  async findByUsername(usernameKey: string): Promise<AccountRecord | undefined> {
    const doc = await this.db.run('findByUsername', () => this.accounts.findOne({ username_key: usernameKey }));
    return doc === null ? undefined : toRecord(doc);
  }

  findOrCreateGuest(deviceId: string, nowMs: number): Promise<GuestLogin> {
    return this.db.run('findOrCreateGuest', async (): Promise<GuestLogin> => {
      const known = await this.findGuest(deviceId);
      if (known) return { account: known, created: false };
      // Account first, device second: a device document then always points at an existing account.
      const doc: AccountDoc = { _id: await this.db.nextCounter('lares_account_id', FIRST_ACCOUNT_ID), username: '', guest: true, created_at_ms: nowMs, last_login_at_ms: nowMs };
      await this.accounts.insertOne(doc);
      try {
        await this.devices.insertOne({ _id: deviceId, account_id: doc._id });
        return { account: toRecord(doc), created: true };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      // Another login for the device won the race: drop our unreferenced account and use the winner's.
      await this.accounts.deleteOne({ _id: doc._id });
      const winner = await this.findGuest(deviceId);
      if (!winner) throw new StoreError('STORE_CORRUPT', `guest device ${deviceId} has no account in lares_accounts; restore the database from a backup`);
      return { account: winner, created: false };
    });
  }

  async getAccount(accountId: bigint): Promise<AccountRecord | undefined> {
    checkId('accountId', accountId);
    const doc = await this.db.run('getAccount', () => this.accounts.findOne({ _id: accountId }));
    return doc === null ? undefined : toRecord(doc);
  }

  async recordLogin(accountId: bigint, nowMs: number): Promise<void> {
    checkId('accountId', accountId);
    await this.db.run('recordLogin', () => this.accounts.updateOne({ _id: accountId }, { $set: { last_login_at_ms: nowMs } }));
  }

  async putSession(digest: Buffer, session: SessionRecord): Promise<void> {
    await this.db.run('putSession', () =>
      this.sessions.replaceOne({ _id: new Binary(digest) }, { account_id: session.accountId, expires_at_ms: session.expiresAtMs }, { upsert: true }),
    );
  }

  async getSession(digest: Buffer): Promise<SessionRecord | undefined> {
    const doc = await this.db.run('getSession', () => this.sessions.findOne({ _id: new Binary(digest) }));
    return doc === null ? undefined : { accountId: toBigInt(doc.account_id), expiresAtMs: Number(doc.expires_at_ms) };
  }

  replaceSession(oldDigest: Buffer, newDigest: Buffer, session: SessionRecord, nowMs: number): Promise<boolean> {
    return this.db.run('replaceSession', async () => {
      // findOneAndDelete is atomic: of two racing refreshes exactly one gets the old session.
      const old = await this.sessions.findOneAndDelete({ _id: new Binary(oldDigest), expires_at_ms: { $gt: nowMs } });
      if (old === null) return false;
      await this.sessions.replaceOne({ _id: new Binary(newDigest) }, { account_id: session.accountId, expires_at_ms: session.expiresAtMs }, { upsert: true });
      return true;
    });
  }

  async deleteSession(digest: Buffer): Promise<void> {
    await this.db.run('deleteSession', () => this.sessions.deleteOne({ _id: new Binary(digest) }));
  }

  async deleteExpiredSessions(nowMs: number): Promise<number> {
    const removed = await this.db.run('deleteExpiredSessions', () => this.sessions.deleteMany({ expires_at_ms: { $lte: nowMs } }));
    return removed.deletedCount;
  }

  close(): Promise<void> {
    return this.db.close();
  }

  private async findGuest(deviceId: string): Promise<AccountRecord | undefined> {
    const device = await this.devices.findOne({ _id: deviceId });
    if (device === null) return undefined;
    const doc = await this.accounts.findOne({ _id: toBigInt(device.account_id) });
    if (doc === null) throw new StoreError('STORE_CORRUPT', `guest device ${deviceId} points at missing account ${device.account_id}; restore the database from a backup`);
    return toRecord(doc);
  }
}

function toRecord(doc: AccountDoc): AccountRecord {
  return {
    accountId: toBigInt(doc._id),
    username: doc.username,
    guest: doc.guest,
    ...(doc.password_hash === undefined || doc.password_hash === null ? {} : { passwordHash: doc.password_hash }),
    createdAtMs: Number(doc.created_at_ms),
    lastLoginAtMs: Number(doc.last_login_at_ms),
  };
}
