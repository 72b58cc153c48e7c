// AccountStore on PostgreSQL. Every method is one statement, so each is atomic
// without explicit transactions: a registration is an INSERT that the unique
// username_key turns into a no-op for the loser; a guest's device row and
// account row are written by one statement; a session swap deletes the old
// row and inserts the new one in one statement, and the DELETE's row lock makes
// a racing swap find nothing to delete.
import type { Logger } from '../../common/logger.js';
import { FIRST_ACCOUNT_ID, type AccountRecord, type AccountStore, type GuestLogin, type NewUserAccount, type SessionRecord } from '../account-store.js';
import { checkId } from '../checks.js';
import { StoreError } from '../errors.js';
import { PostgresConnection } from './connection.js';

export const ACCOUNT_SCHEMA = [
  // Users and guests share one counter, as in the LMDB store.
  `CREATE SEQUENCE IF NOT EXISTS lares_account_id_seq START WITH ${FIRST_ACCOUNT_ID}`,
  `CREATE TABLE IF NOT EXISTS lares_accounts (
     account_id       BIGINT PRIMARY KEY,
     username         TEXT NOT NULL,
     username_key     TEXT UNIQUE,
     guest            BOOLEAN NOT NULL,
     password_hash    TEXT,
     created_at_ms    BIGINT NOT NULL,
     last_login_at_ms BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS lares_devices (
     device_id  TEXT PRIMARY KEY,
     account_id BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS lares_sessions (
     digest        BYTEA PRIMARY KEY,
     account_id    BIGINT NOT NULL,
     expires_at_ms BIGINT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS lares_sessions_by_expiry ON lares_sessions (expires_at_ms)`,
] as const;

const ACCOUNT_COLUMNS = 'a.account_id::text, a.username, a.guest, a.password_hash, a.created_at_ms::text, a.last_login_at_ms::text';

interface AccountRow {
  account_id: string;
  username: string;
  guest: boolean;
  password_hash: string | null;
  created_at_ms: string;
  last_login_at_ms: string;
}

export class PostgresAccountStore implements AccountStore {
  private constructor(private readonly db: PostgresConnection) {}

  static async open(url: string, poolSize: number, logger: Logger): Promise<PostgresAccountStore> {
    return new PostgresAccountStore(await PostgresConnection.open({ url, poolSize, logger, what: 'the PostgreSQL account store', schema: ACCOUNT_SCHEMA }));
  }

  async createUserAccount(account: NewUserAccount): Promise<AccountRecord | undefined> {
    // nextval runs before the conflict check, so a lost race leaves a gap in the ids (harmless).
    const result = await this.db.query<{ account_id: string }>(
      'createUserAccount',
      `INSERT INTO lares_accounts (account_id, username, username_key, guest, password_hash, created_at_ms, last_login_at_ms)
       VALUES (nextval('lares_account_id_seq'), $1, $2, false, $3, $4, $4)
       ON CONFLICT (username_key) DO NOTHING RETURNING account_id::text`,
      [account.username, account.usernameKey, account.passwordHash, account.nowMs],
    );
    if (result.rows.length === 0) return undefined;
    const accountId = BigInt(result.rows[0].account_id);
    return { accountId, username: account.username, guest: false, passwordHash: account.passwordHash, createdAtMs: account.nowMs, lastLoginAtMs: account.nowMs };
  }

  async findByUsername(usernameKey: string): Promise<AccountRecord | undefined> {
    const result = await this.db.query<AccountRow>('findByUsername', `SELECT ${ACCOUNT_COLUMNS} FROM lares_accounts a WHERE a.username_key = $1`, [usernameKey]);
    return result.rows.length === 0 ? undefined : toRecord(result.rows[0]);
  }

  async findOrCreateGuest(deviceId: string, nowMs: number): Promise<GuestLogin> {
    // A racing first login waits on the device row's unique key, then does nothing and reads the winner's rows.
    const created = await this.db.query<{ account_id: string }>(
      'findOrCreateGuest',
      `WITH device AS (
         INSERT INTO lares_devices (device_id, account_id) VALUES ($1, nextval('lares_account_id_seq'))
         ON CONFLICT (device_id) DO NOTHING RETURNING account_id)
       INSERT INTO lares_accounts (account_id, username, username_key, guest, password_hash, created_at_ms, last_login_at_ms)
       SELECT account_id, '', NULL, true, NULL, $2::bigint, $2::bigint FROM device
       RETURNING account_id::text`,
      [deviceId, nowMs],
    );
    if (created.rows.length === 1) {
      const account: AccountRecord = { accountId: BigInt(created.rows[0].account_id), username: '', guest: true, createdAtMs: nowMs, lastLoginAtMs: nowMs };
      return { account, created: true };
    }
    const existing = await this.db.query<AccountRow>(
      'findOrCreateGuest',
      `SELECT ${ACCOUNT_COLUMNS} FROM lares_devices d JOIN lares_accounts a ON a.account_id = d.account_id WHERE d.device_id = $1`,
      [deviceId],
    );
    // Both rows are written by one statement, so a device without its account is corruption.
    if (existing.rows.length === 0) throw new StoreError('STORE_CORRUPT', `guest device ${deviceId} has no account in lares_accounts; restore the database from a backup`);
    return { account: toRecord(existing.rows[0]), created: false };
  }

  async getAccount(accountId: bigint): Promise<AccountRecord | undefined> {
    checkId('accountId', accountId);
    const result = await this.db.query<AccountRow>('getAccount', `SELECT ${ACCOUNT_COLUMNS} FROM lares_accounts a WHERE a.account_id = $1`, [accountId.toString()]);
    return result.rows.length === 0 ? undefined : toRecord(result.rows[0]);
  }

  async recordLogin(accountId: bigint, nowMs: number): Promise<void> {
    checkId('accountId', accountId);
    await this.db.query('recordLogin', 'UPDATE lares_accounts SET last_login_at_ms = $2 WHERE account_id = $1', [accountId.toString(), nowMs]);
  }

  async putSession(digest: Buffer, session: SessionRecord): Promise<void> {
    await this.db.query(
      'putSession',
      `INSERT INTO lares_sessions (digest, account_id, expires_at_ms) VALUES ($1, $2, $3)
       ON CONFLICT (digest) DO UPDATE SET account_id = EXCLUDED.account_id, expires_at_ms = EXCLUDED.expires_at_ms`,
      [digest, session.accountId.toString(), session.expiresAtMs],
    );
  }

  async getSession(digest: Buffer): Promise<SessionRecord | undefined> {
    const result = await this.db.query<{ account_id: string; expires_at_ms: string }>(
      'getSession',
      'SELECT account_id::text, expires_at_ms::text FROM lares_sessions WHERE digest = $1',
      [digest],
    );
    if (result.rows.length === 0) return undefined;
    return { accountId: BigInt(result.rows[0].account_id), expiresAtMs: Number(result.rows[0].expires_at_ms) };
  }

  async replaceSession(oldDigest: Buffer, newDigest: Buffer, session: SessionRecord, nowMs: number): Promise<boolean> {
    const result = await this.db.query(
      'replaceSession',
      `WITH old AS (DELETE FROM lares_sessions WHERE digest = $1 AND expires_at_ms > $5 RETURNING digest)
       INSERT INTO lares_sessions (digest, account_id, expires_at_ms) SELECT $2, $3::bigint, $4::bigint FROM old
       ON CONFLICT (digest) DO UPDATE SET account_id = EXCLUDED.account_id, expires_at_ms = EXCLUDED.expires_at_ms`,
      [oldDigest, newDigest, session.accountId.toString(), session.expiresAtMs, nowMs],
    );
    return result.rowCount === 1;
  }

  async deleteSession(digest: Buffer): Promise<void> {
    await this.db.query('deleteSession', 'DELETE FROM lares_sessions WHERE digest = $1', [digest]);
  }

  async deleteExpiredSessions(nowMs: number): Promise<number> {
    const result = await this.db.query('deleteExpiredSessions', 'DELETE FROM lares_sessions WHERE expires_at_ms <= $1', [nowMs]);
    return result.rowCount ?? 0;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

function toRecord(row: AccountRow): AccountRecord {
  return {
    accountId: BigInt(row.account_id),
    username: row.username,
    guest: row.guest,
    ...(row.password_hash === null ? {} : { passwordHash: row.password_hash }),
    createdAtMs: Number(row.created_at_ms),
    lastLoginAtMs: Number(row.last_login_at_ms),
  };
}
