// PlayerStore on PostgreSQL. Each operation is one parameterised statement, so
// atomicity comes from the row locks PostgreSQL takes: a save is
// `UPDATE ... WHERE player_id = $1 AND version = $2` (a racing save waits for
// the winner's commit, re-checks the version and updates nothing), a name claim
// is an INSERT on the (zone, name_key) primary key, ids come from a sequence.
import type { Logger } from '../../common/logger.js';
import { checkCount, checkId, checkLimit, checkNewPlayer, checkZone, encodeModules, nameKey, prefixKey } from '../checks.js';
import { playerExists } from '../errors.js';
import { FIRST_PLAYER_ID, type ClaimResult, type NameEntry, type PlayerDoc, type PlayerModules, type PlayerStore, type SaveResult } from '../player-store.js';
import { PostgresConnection } from './connection.js';

// name_key is compared byte-wise (COLLATE "C"): the folding is done in checks.ts,
// and "C" lets the primary key's btree serve `LIKE 'prefix%'` in name order.
export const PLAYER_SCHEMA = [
  `CREATE SEQUENCE IF NOT EXISTS roma_player_id_seq START WITH ${FIRST_PLAYER_ID}`,
  `CREATE TABLE IF NOT EXISTS roma_players (
     player_id     BIGINT PRIMARY KEY,
     account_id    BIGINT NOT NULL,
     zone          INTEGER NOT NULL,
     version       BIGINT NOT NULL,
     modules       JSONB NOT NULL,
     updated_at_ms BIGINT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS roma_players_by_account ON roma_players (account_id)`,
  `CREATE TABLE IF NOT EXISTS roma_player_names (
     zone      INTEGER NOT NULL,
     name_key  TEXT COLLATE "C" NOT NULL,
     name      TEXT NOT NULL,
     player_id BIGINT NOT NULL,
     PRIMARY KEY (zone, name_key))`,
] as const;

const PLAYER_COLUMNS = 'player_id::text, account_id::text, zone, version::text, modules, updated_at_ms::text';

interface PlayerRow {
  player_id: string;
  account_id: string;
  zone: number;
  version: string;
  modules: PlayerModules;
  updated_at_ms: string;
}

export class PostgresPlayerStore implements PlayerStore {
  private constructor(private readonly db: PostgresConnection) {}

  static async open(url: string, poolSize: number, logger: Logger): Promise<PostgresPlayerStore> {
    return new PostgresPlayerStore(await PostgresConnection.open({ url, poolSize, logger, what: 'the PostgreSQL player store', schema: PLAYER_SCHEMA }));
  }

  async create(doc: PlayerDoc): Promise<void> {
    checkNewPlayer(doc);
    const result = await this.db.query(
      'create',
      `INSERT INTO roma_players (player_id, account_id, zone, version, modules, updated_at_ms)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6) ON CONFLICT (player_id) DO NOTHING`,
      [doc.playerId.toString(), doc.accountId.toString(), doc.zone, doc.version, encodeModules(doc.modules), doc.updatedAtMs],
    );
    if (result.rowCount !== 1) throw playerExists(doc.playerId);
  }

  async load(playerId: bigint): Promise<PlayerDoc | undefined> {
    checkId('playerId', playerId);
    const result = await this.db.query<PlayerRow>('load', `SELECT ${PLAYER_COLUMNS} FROM roma_players WHERE player_id = $1`, [playerId.toString()]);
    return result.rows.length === 0 ? undefined : toDoc(result.rows[0]);
  }

  async save(playerId: bigint, expectedVersion: number, modules: PlayerModules, nowMs: number): Promise<SaveResult> {
    checkId('playerId', playerId);
    checkCount('expectedVersion', expectedVersion);
    checkCount('nowMs', nowMs);
    const updated = await this.db.query<{ version: string }>(
      'save',
      `UPDATE roma_players SET modules = $3::jsonb, version = version + 1, updated_at_ms = $4
       WHERE player_id = $1 AND version = $2 RETURNING version::text`,
      [playerId.toString(), expectedVersion, encodeModules(modules), nowMs],
    );
    if (updated.rows.length === 1) return { ok: true, version: Number(updated.rows[0].version) };
    // Only to say why nothing was updated; the version read here may already be newer still.
    const current = await this.db.query<{ version: string }>('save', 'SELECT version::text FROM roma_players WHERE player_id = $1', [playerId.toString()]);
    if (current.rows.length === 0) return { ok: false, reason: 'not_found' };
    return { ok: false, reason: 'version_conflict', currentVersion: Number(current.rows[0].version) };
  }

  async listByAccount(accountId: bigint): Promise<PlayerDoc[]> {
    checkId('accountId', accountId);
    const result = await this.db.query<PlayerRow>('listByAccount', `SELECT ${PLAYER_COLUMNS} FROM roma_players WHERE account_id = $1 ORDER BY player_id`, [
      accountId.toString(),
    ]);
    return result.rows.map(toDoc);
  }

  async searchByName(zone: number, prefix: string, limit: number): Promise<NameEntry[]> {
    checkZone(zone);
    checkLimit(limit);
    const result = await this.db.query<{ player_id: string; name: string }>(
      'searchByName',
      `SELECT player_id::text, name FROM roma_player_names
       WHERE zone = $1 AND name_key LIKE $2 ORDER BY name_key LIMIT $3`,
      [zone, `${escapeLike(prefixKey(prefix))}%`, limit],
    );
    return result.rows.map((row) => ({ playerId: BigInt(row.player_id), name: row.name }));
  }

  async claimName(zone: number, name: string, playerId: bigint): Promise<ClaimResult> {
    checkZone(zone);
    checkId('playerId', playerId);
    // A concurrent claim of the same key waits for this one's commit and then
    // takes the conflict branch, which updates only the holder's own row.
    const result = await this.db.query(
      'claimName',
      `INSERT INTO roma_player_names (zone, name_key, name, player_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (zone, name_key) DO UPDATE SET name = EXCLUDED.name
       WHERE roma_player_names.player_id = EXCLUDED.player_id`,
      [zone, nameKey(name), name, playerId.toString()],
    );
    return result.rowCount === 1 ? { ok: true } : { ok: false, reason: 'name_taken' };
  }

  async releaseName(zone: number, name: string, playerId: bigint): Promise<boolean> {
    checkZone(zone);
    checkId('playerId', playerId);
    const result = await this.db.query('releaseName', 'DELETE FROM roma_player_names WHERE zone = $1 AND name_key = $2 AND player_id = $3', [
      zone,
      nameKey(name),
      playerId.toString(),
    ]);
    return result.rowCount === 1;
  }

  async allocatePlayerId(): Promise<bigint> {
    const result = await this.db.query<{ id: string }>('allocatePlayerId', `SELECT nextval('roma_player_id_seq')::text AS id`, []);
    return BigInt(result.rows[0].id);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** LIKE treats % and _ as wildcards and \ as the escape; a prefix must match them literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

function toDoc(row: PlayerRow): PlayerDoc {
  return {
    playerId: BigInt(row.player_id),
    accountId: BigInt(row.account_id),
    zone: row.zone,
    version: Number(row.version),
    modules: row.modules,
    updatedAtMs: Number(row.updated_at_ms),
  };
}
