// The embedded PlayerStore: one LMDB environment under <data_dir>/roma. LMDB
// has a single writer, so each check-then-write (version compare + save, name
// claim, id counter) runs inside one write transaction and cannot interleave
// with another; readers never block. Shared by processes only on one machine.
import { mkdirSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import { checkCount, checkId, checkLimit, checkNewPlayer, checkZone, decodeModules, encodeModules, nameKey, prefixKey } from '../checks.js';
import { playerExists, StoreError, storeClosed } from '../errors.js';
import { FIRST_PLAYER_ID, type ClaimResult, type NameEntry, type PlayerDoc, type PlayerModules, type PlayerStore, type SaveResult } from '../player-store.js';

const NEXT_ID_KEY = 'next_player_id';

// Stored shapes: bigints as decimal strings and module state as JSON text, the
// same encodings the other adapters use, so nothing depends on msgpack details.
interface StoredPlayer {
  account_id: string;
  zone: number;
  version: number;
  modules_json: string;
  updated_at_ms: number;
}

interface StoredName {
  player_id: string;
  name: string;
}

type NameKey = [zone: number, nameKey: string];

export class LmdbPlayerStore implements PlayerStore {
  private readonly players: Database<StoredPlayer, string>;
  /** account id -> its player ids (sorted duplicates), for listByAccount. */
  private readonly accountPlayers: Database<string, string>;
  /** [zone, folded name] -> holder; array keys sort by zone, then name, so a prefix is one range. */
  private readonly names: Database<StoredName, NameKey>;
  private readonly meta: Database<string, string>;
  private closed = false;

  private constructor(private readonly root: RootDatabase) {
    this.players = root.openDB({ name: 'players' });
    this.accountPlayers = root.openDB({ name: 'account_players', dupSort: true });
    this.names = root.openDB({ name: 'player_names' });
    this.meta = root.openDB({ name: 'meta' });
  }

  static open(dir: string): LmdbPlayerStore {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return new LmdbPlayerStore(open({ path: dir, compression: false }));
  }

  async create(doc: PlayerDoc): Promise<void> {
    this.assertOpen();
    checkNewPlayer(doc);
    const key = doc.playerId.toString();
    const stored: StoredPlayer = {
      account_id: doc.accountId.toString(),
      zone: doc.zone,
      version: doc.version,
      modules_json: encodeModules(doc.modules),
      updated_at_ms: doc.updatedAtMs,
    };
    const created = await this.root.transaction(() => {
      if (this.players.get(key) !== undefined) return false;
      this.players.putSync(key, stored);
      this.accountPlayers.putSync(stored.account_id, key);
      return true;
    });
    if (!created) throw playerExists(doc.playerId);
  }

  async load(playerId: bigint): Promise<PlayerDoc | undefined> {
    this.assertOpen();
    checkId('playerId', playerId);
    const stored = this.players.get(playerId.toString());
    return stored === undefined ? undefined : toDoc(playerId, stored);
  }

  async save(playerId: bigint, expectedVersion: number, modules: PlayerModules, nowMs: number): Promise<SaveResult> {
    this.assertOpen();
    checkId('playerId', playerId);
    checkCount('expectedVersion', expectedVersion);
    checkCount('nowMs', nowMs);
    // Serialised before the transaction: the single writer should not wait on JSON.stringify of a big state.
    const modulesJson = encodeModules(modules);
    const key = playerId.toString();
    return this.root.transaction((): SaveResult => {
      const stored = this.players.get(key);
      if (stored === undefined) return { ok: false, reason: 'not_found' };
      if (stored.version !== expectedVersion) return { ok: false, reason: 'version_conflict', currentVersion: stored.version };
      const version = expectedVersion + 1;
      this.players.putSync(key, { ...stored, version, modules_json: modulesJson, updated_at_ms: nowMs });
      return { ok: true, version };
    });
  }

  async listByAccount(accountId: bigint): Promise<PlayerDoc[]> {
    this.assertOpen();
    checkId('accountId', accountId);
    const docs: PlayerDoc[] = [];
    for (const key of this.accountPlayers.getValues(accountId.toString())) {
      const stored = this.players.get(key);
      if (stored === undefined) throw new StoreError('STORE_CORRUPT', `the account index of ${accountId} points at missing player ${key}; restore <data_dir>/roma from a backup`);
      docs.push(toDoc(BigInt(key), stored));
    }
    return docs.sort((a, b) => (a.playerId < b.playerId ? -1 : a.playerId > b.playerId ? 1 : 0));
  }

  async searchByName(zone: number, prefix: string, limit: number): Promise<NameEntry[]> {
    this.assertOpen();
    checkZone(zone);
    checkLimit(limit);
    const folded = prefixKey(prefix);
    const found: NameEntry[] = [];
    for (const { key, value } of this.names.getRange({ start: [zone, folded] })) {
      if (key[0] !== zone || !key[1].startsWith(folded) || found.length >= limit) break;
      found.push({ playerId: BigInt(value.player_id), name: value.name });
    }
    return found;
  }

  async claimName(zone: number, name: string, playerId: bigint): Promise<ClaimResult> {
    this.assertOpen();
    checkZone(zone);
    checkId('playerId', playerId);
    const key: NameKey = [zone, nameKey(name)];
    const holder = playerId.toString();
    return this.root.transaction((): ClaimResult => {
      const held = this.names.get(key);
      if (held !== undefined && held.player_id !== holder) return { ok: false, reason: 'name_taken' };
      this.names.putSync(key, { player_id: holder, name });
      return { ok: true };
    });
  }

  async releaseName(zone: number, name: string, playerId: bigint): Promise<boolean> {
    this.assertOpen();
    checkZone(zone);
    checkId('playerId', playerId);
    const key: NameKey = [zone, nameKey(name)];
    return this.root.transaction(() => {
      if (this.names.get(key)?.player_id !== playerId.toString()) return false;
      return this.names.removeSync(key);
    });
  }

  async allocatePlayerId(): Promise<bigint> {
    this.assertOpen();
    return this.root.transaction(() => {
      const stored = this.meta.get(NEXT_ID_KEY);
      const next = stored === undefined ? FIRST_PLAYER_ID : BigInt(stored);
      this.meta.putSync(NEXT_ID_KEY, (next + 1n).toString());
      return next;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.root.close();
  }

  private assertOpen(): void {
    if (this.closed) throw storeClosed('the LMDB player store');
  }
}

function toDoc(playerId: bigint, stored: StoredPlayer): PlayerDoc {
  return {
    playerId,
    accountId: BigInt(stored.account_id),
    zone: stored.zone,
    version: stored.version,
    modules: decodeModules(stored.modules_json, playerId),
    updatedAtMs: stored.updated_at_ms,
  };
}
