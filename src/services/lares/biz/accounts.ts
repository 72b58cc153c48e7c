// Account use cases: register, log in with a password, log in as a guest
// device, and look an account up. Knows nothing of HTTP or LMDB: it talks to
// storage and hashing through their interfaces and raises coded errors.
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../../common/logger.js';
import type { AccountRecord, AccountStore } from '../../../store/index.js';
import { unauthorized, usernameTaken } from './errors.js';
import type { PasswordHasher } from './password-hasher.js';
import type { IssuedSession, Sessions } from './sessions.js';
import type { LoginThrottle } from './throttle.js';
import type { Credentials } from './validation.js';

export interface LoggedIn extends IssuedSession {
  accountId: bigint;
}

export interface AccountsOptions {
  store: AccountStore;
  hasher: PasswordHasher;
  sessions: Sessions;
  throttle: LoginThrottle;
  logger: Logger;
  now?: () => number;
}

export class Accounts {
  private readonly now: () => number;
  private decoyHash?: Promise<string>;

  constructor(private readonly options: AccountsOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Computes the decoy hash up front, which also proves the hasher works before Lares reports ready. */
  async prepare(): Promise<void> {
    await this.decoy();
  }

  async register(credentials: Credentials): Promise<LoggedIn> {
    const { store, hasher, sessions, logger } = this.options;
    // Cheap early refusal so a taken name costs no scrypt; the transaction below is what guarantees uniqueness.
    if (await store.findByUsername(credentials.usernameKey)) throw usernameTaken();
    const passwordHash = await hasher.hash(credentials.password);
    const account = await store.createUserAccount({ username: credentials.username, usernameKey: credentials.usernameKey, passwordHash, nowMs: this.now() });
    if (!account) throw usernameTaken();
    logger.info({ event: 'account_registered', account_id: account.accountId.toString() }, 'account registered');
    return { accountId: account.accountId, ...(await sessions.issue(account.accountId)) };
  }

  /** `ip` is the client address the per-IP throttle counts against. */
  async login(credentials: Credentials, ip: string): Promise<LoggedIn> {
    const { store, sessions, throttle, logger } = this.options;
    throttle.admit(credentials.usernameKey, ip, this.now());
    const account = await store.findByUsername(credentials.usernameKey);
    const matches = await this.passwordMatches(credentials.password, account);
    if (!account || !matches) {
      logger.info({ event: 'login_failed', account_id: account?.accountId.toString(), ip, reason: account ? 'wrong_password' : 'unknown_username' }, 'login failed');
      throw unauthorized('username or password is wrong');
    }
    const nowMs = this.now();
    throttle.succeeded(credentials.usernameKey, ip, nowMs);
    await store.recordLogin(account.accountId, nowMs);
    logger.info({ event: 'login_succeeded', account_id: account.accountId.toString(), ip }, 'login succeeded');
    return { accountId: account.accountId, ...(await sessions.issue(account.accountId)) };
  }

  /** Logs a device in, creating its guest account the first time the device is seen. */
  async loginGuest(deviceId: string): Promise<LoggedIn> {
    const { store, sessions, logger } = this.options;
    const nowMs = this.now();
    const { account, created } = await store.findOrCreateGuest(deviceId, nowMs);
    if (!created) await store.recordLogin(account.accountId, nowMs);
    const event = created ? 'guest_created' : 'guest_login';
    logger.info({ event, account_id: account.accountId.toString() }, created ? 'guest account created' : 'guest logged in');
    return { accountId: account.accountId, ...(await sessions.issue(account.accountId)) };
  }

  async get(accountId: bigint): Promise<AccountRecord | undefined> {
    return this.options.store.getAccount(accountId);
  }

  // An unknown username still costs one scrypt, so response time does not reveal which names exist.
  private async passwordMatches(password: string, account: AccountRecord | undefined): Promise<boolean> {
    if (account?.passwordHash) return this.options.hasher.verify(password, account.passwordHash);
    await this.options.hasher.verify(password, await this.decoy());
    return false;
  }

  private decoy(): Promise<string> {
    this.decoyHash ??= this.options.hasher.hash(randomBytes(16).toString('hex'));
    return this.decoyHash;
  }
}
