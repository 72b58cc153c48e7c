// What Lares's domain needs from storage, and nothing about how it is stored.
// Implementations: lmdb/ (embedded default), postgres/, mongodb/; openStores
// picks one from config, and Lares's biz/ never knows which.

export interface AccountRecord {
  accountId: bigint;
  /** As registered (case kept); empty for guest accounts. */
  username: string;
  guest: boolean;
  /** Self-describing hash string; absent for guest accounts. */
  passwordHash?: string;
  createdAtMs: number;
  lastLoginAtMs: number;
}

export interface NewUserAccount {
  username: string;
  usernameKey: string;
  passwordHash: string;
  nowMs: number;
}

export interface SessionRecord {
  accountId: bigint;
  expiresAtMs: number;
}

export interface GuestLogin {
  account: AccountRecord;
  created: boolean;
}

/** Allocated account ids start here (users and guests share the counter); lower ids stay free for operators. */
export const FIRST_ACCOUNT_ID = 1_000_001n;

export interface AccountStore {
  /** Atomically claims `usernameKey` (unique) and allocates an id; undefined when the name is taken. Ids may have gaps. */
  createUserAccount(account: NewUserAccount): Promise<AccountRecord | undefined>;
  findByUsername(usernameKey: string): Promise<AccountRecord | undefined>;
  /** Returns the device's account, atomically creating it on the device's first use. */
  findOrCreateGuest(deviceId: string, nowMs: number): Promise<GuestLogin>;
  getAccount(accountId: bigint): Promise<AccountRecord | undefined>;
  recordLogin(accountId: bigint, nowMs: number): Promise<void>;

  /** Sessions are keyed by a digest of the session string, never the string itself. */
  putSession(digest: Buffer, session: SessionRecord): Promise<void>;
  getSession(digest: Buffer): Promise<SessionRecord | undefined>;
  /** Atomically removes `oldDigest` and stores `newDigest`; false (and no write) when the old one is absent or expired. */
  replaceSession(oldDigest: Buffer, newDigest: Buffer, session: SessionRecord, nowMs: number): Promise<boolean>;
  deleteSession(digest: Buffer): Promise<void>;
  /** Removes sessions that expired before `nowMs`; returns how many. */
  deleteExpiredSessions(nowMs: number): Promise<number>;

  close(): Promise<void>;
}
