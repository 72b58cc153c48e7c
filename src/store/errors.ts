// The errors every store adapter throws, whatever the backend: callers branch
// on `code`, operators read `message`. Driver errors never leak unwrapped, so
// domain code needs no knowledge of lmdb, pg or mongodb error shapes.
import { PantheonError } from '../common/errors.js';

export type StoreErrorCode =
  /** The backend cannot be reached (open or any later operation); retry later or fix the URL. */
  | 'STORE_UNAVAILABLE'
  /** The record already exists (create of a taken player id). */
  | 'STORE_CONFLICT'
  /** The caller passed something the store cannot hold (id out of int64 range, empty name, non-JSON state). */
  | 'STORE_INVALID'
  /** Stored data contradicts itself; needs an operator. */
  | 'STORE_CORRUPT'
  /** The store was used after close(). */
  | 'STORE_CLOSED'
  /** The backend refused the operation for another reason; the message carries its own. */
  | 'STORE_FAILED';

export class StoreError extends PantheonError {
  declare readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'StoreError';
  }
}

export function isStoreError(error: unknown, code?: StoreErrorCode): error is StoreError {
  return error instanceof StoreError && (code === undefined || error.code === code);
}

export function storeClosed(what: string): StoreError {
  return new StoreError('STORE_CLOSED', `${what} was used after close(); open a new store (openStores) instead of reusing a closed one`);
}

export function playerExists(playerId: bigint): StoreError {
  return new StoreError('STORE_CONFLICT', `player ${playerId} already exists; take a fresh id from allocatePlayerId() or load the existing player`);
}

/** Hides the password in a connection URL so it can go into logs and error messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
