// What Roma needs from storage: player documents behind an optimistic lock,
// a per-zone unique name index, and an id counter shared by every instance.
// Implementations live in lmdb/, postgres/ and mongodb/; domain code imports
// this file (through src/store/index.ts) and never a client library.

/** Module id -> that module's state; every value must survive JSON.stringify/JSON.parse. */
export type PlayerModules = Record<string, unknown>;

export interface PlayerDoc {
  playerId: bigint;
  accountId: bigint;
  zone: number;
  /** Bumped by one on every successful save; the optimistic lock compares it. */
  version: number;
  modules: PlayerModules;
  updatedAtMs: number;
}

export type SaveResult =
  | { ok: true; version: number }
  /** Someone saved since this caller loaded: reload, reapply, save again. */
  | { ok: false; reason: 'version_conflict'; currentVersion: number }
  | { ok: false; reason: 'not_found' };

export type ClaimResult = { ok: true } | { ok: false; reason: 'name_taken' };

export interface NameEntry {
  playerId: bigint;
  /** As claimed (case kept); matching is case-insensitive. */
  name: string;
}

export interface PlayerStore {
  /** Stores a new document as given; throws StoreError STORE_CONFLICT when the id exists. */
  create(doc: PlayerDoc): Promise<void>;
  load(playerId: bigint): Promise<PlayerDoc | undefined>;
  /**
   * Replaces the whole modules map if the stored version is still `expectedVersion`,
   * atomically with the version bump; a concurrent save of the same version loses.
   */
  save(playerId: bigint, expectedVersion: number, modules: PlayerModules, nowMs: number): Promise<SaveResult>;
  /** Every player of the account, by player id. */
  listByAccount(accountId: bigint): Promise<PlayerDoc[]>;
  /** Claimed names in `zone` starting with `prefix` (case-insensitive), in name order, at most `limit`. */
  searchByName(zone: number, prefix: string, limit: number): Promise<NameEntry[]>;
  /**
   * Atomically makes `name` (case-insensitive) unique to `playerId` within `zone`.
   * Claiming a name the player already holds succeeds and keeps the new casing.
   */
  claimName(zone: number, name: string, playerId: bigint): Promise<ClaimResult>;
  /** Frees the name only if `playerId` holds it; false otherwise. */
  releaseName(zone: number, name: string, playerId: bigint): Promise<boolean>;
  /** Next id from a counter in the store: increasing and unique across every instance sharing it. */
  allocatePlayerId(): Promise<bigint>;
  close(): Promise<void>;
}

/** Allocated ids start here, leaving the ones below free for operators and imports. */
export const FIRST_PLAYER_ID = 1_000_001n;
