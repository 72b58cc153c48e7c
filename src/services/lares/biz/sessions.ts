// Long-lived login sessions: random 32-byte strings handed to the client and
// remembered only as their SHA-256, so a copy of the database cannot be used
// to log in. A refresh swaps the old session for a new one atomically.
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from '../../../common/logger.js';
import type { AccountStore } from '../../../store/index.js';
import { unauthorized } from './errors.js';

export interface IssuedSession {
  session: string;
  expiresAtMs: number;
}

export interface SessionOptions {
  store: AccountStore;
  ttlMs: number;
  logger: Logger;
  now?: () => number;
}

export class Sessions {
  private readonly now: () => number;

  constructor(private readonly options: SessionOptions) {
    this.now = options.now ?? Date.now;
  }

  async issue(accountId: bigint): Promise<IssuedSession> {
    const session = newSessionString();
    const expiresAtMs = this.now() + this.options.ttlMs;
    await this.options.store.putSession(sessionDigest(session), { accountId, expiresAtMs });
    return { session, expiresAtMs };
  }

  /** The account a live session belongs to; UNAUTHORIZED for unknown or expired sessions. */
  async accountOf(session: string): Promise<bigint> {
    const digest = sessionDigest(session);
    const record = await this.options.store.getSession(digest);
    if (!record) throw unknownSession();
    if (record.expiresAtMs <= this.now()) {
      await this.options.store.deleteSession(digest);
      throw unknownSession();
    }
    return record.accountId;
  }

  /** Issues a new session and invalidates `session` in one step; only one of two racing refreshes wins. */
  async refresh(session: string): Promise<IssuedSession> {
    const accountId = await this.accountOf(session);
    const next = newSessionString();
    const nowMs = this.now();
    const expiresAtMs = nowMs + this.options.ttlMs;
    const swapped = await this.options.store.replaceSession(sessionDigest(session), sessionDigest(next), { accountId, expiresAtMs }, nowMs);
    if (!swapped) throw unknownSession();
    this.options.logger.info({ event: 'session_refreshed', account_id: accountId.toString() }, 'session refreshed');
    return { session: next, expiresAtMs };
  }

  async deleteExpired(): Promise<number> {
    return this.options.store.deleteExpiredSessions(this.now());
  }
}

export function sessionDigest(session: string): Buffer {
  return createHash('sha256').update(session, 'utf8').digest();
}

function newSessionString(): string {
  return randomBytes(32).toString('base64url');
}

function unknownSession() {
  return unauthorized('session is unknown or expired; log in again');
}
