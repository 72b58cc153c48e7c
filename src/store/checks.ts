// Argument checks and encodings every adapter shares, so the three backends
// accept exactly the same inputs and store names and module state the same way.
import { StoreError } from './errors.js';
import type { PlayerDoc, PlayerModules } from './player-store.js';

/** Every backend stores ids as signed 64-bit integers (BIGINT, int64). */
export const MAX_ID = 2n ** 63n - 1n;
export const MAX_NAME_LENGTH = 64;
export const MAX_SEARCH_LIMIT = 1_000;

export function checkId(what: string, id: bigint): void {
  if (typeof id !== 'bigint' || id < 0n || id > MAX_ID) {
    throw new StoreError('STORE_INVALID', `${what} must be a bigint between 0 and 2^63-1, got ${String(id)}`);
  }
}

export function checkZone(zone: number): void {
  if (!Number.isInteger(zone) || zone < 0 || zone > 2 ** 31 - 1) {
    throw new StoreError('STORE_INVALID', `zone must be an integer between 0 and 2^31-1, got ${String(zone)}`);
  }
}

export function checkCount(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StoreError('STORE_INVALID', `${what} must be a non-negative safe integer, got ${String(value)}`);
  }
}

export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
    throw new StoreError('STORE_INVALID', `limit must be an integer between 1 and ${MAX_SEARCH_LIMIT}, got ${String(limit)}`);
  }
}

export function checkNewPlayer(doc: PlayerDoc): void {
  checkId('playerId', doc.playerId);
  checkId('accountId', doc.accountId);
  checkZone(doc.zone);
  checkCount('version', doc.version);
  checkCount('updatedAtMs', doc.updatedAtMs);
}

/**
 * The unique key of a name: NFC (so composed and decomposed accents collide)
 * then lower case (so "Alice" and "ALICE" collide). Computed here, never by a
 * backend's collation, so every adapter agrees on what counts as the same name.
 */
export function nameKey(name: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new StoreError('STORE_INVALID', `a player name must be 1-${MAX_NAME_LENGTH} characters, got ${JSON.stringify(name)}`);
  }
  return name.normalize('NFC').toLowerCase();
}

/** The same folding as nameKey for a search prefix, which may be empty. */
export function prefixKey(prefix: string): string {
  if (typeof prefix !== 'string' || prefix.length > MAX_NAME_LENGTH) {
    throw new StoreError('STORE_INVALID', `a name prefix must be at most ${MAX_NAME_LENGTH} characters, got ${JSON.stringify(prefix)}`);
  }
  return prefix.normalize('NFC').toLowerCase();
}

/** JSON text of the modules map; refuses what JSON cannot carry instead of storing something else. */
export function encodeModules(modules: PlayerModules): string {
  if (typeof modules !== 'object' || modules === null || Array.isArray(modules)) {
    throw new StoreError('STORE_INVALID', `modules must be an object of module id -> state, got ${Array.isArray(modules) ? 'an array' : typeof modules}`);
  }
  try {
    return JSON.stringify(modules);
  } catch (error) {
    throw new StoreError('STORE_INVALID', `module state must be JSON-serialisable (no bigint, no cycles): ${(error as Error).message}`, { cause: error });
  }
}

export function decodeModules(text: string, playerId: bigint): PlayerModules {
  try {
    return JSON.parse(text) as PlayerModules;
  } catch (error) {
    throw new StoreError('STORE_CORRUPT', `stored module state of player ${playerId} is not JSON; restore it from a backup`, { cause: error });
  }
}
