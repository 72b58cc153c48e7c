// PlayerStore on MongoDB. Single-document operations are atomic, which is all
// this needs: a save is updateOne({_id, version}) with $inc, a name claim is an
// insert against the unique (zone, name_key) index, ids come from a counter.
// Module state is stored as JSON text: BSON field names may not start with "$"
// or contain "." in updates, and a JSON-serialisable state may use any key.
import { checkCount, checkId, checkLimit, checkNewPlayer, checkZone, decodeModules, encodeModules, nameKey, prefixKey } from '../checks.js';
import { playerExists } from '../errors.js';
import { FIRST_PLAYER_ID, type ClaimResult, type NameEntry, type PlayerDoc, type PlayerModules, type PlayerStore, type SaveResult } from '../player-store.js';
import { MongoConnection, isDuplicateKey, toBigInt } from './connection.js';
import type { Collection, Db } from 'mongodb';

interface PlayerRecord {
  _id: bigint;
  account_id: bigint;
  zone: number;
  version: number;
  modules_json: string;
  updated_at_ms: number;
}

interface NameRecord {
  zone: number;
  name_key: string;
  name: string;
  player_id: bigint;
}

export class MongoPlayerStore implements PlayerStore {
  private readonly players: Collection<PlayerRecord>;
  private readonly names: Collection<NameRecord>;

  private constructor(private readonly db: MongoConnection) {
    this.players = db.db.collection<PlayerRecord>('roma_players');
    this.names = db.db.collection<NameRecord>('roma_player_names');
  }

  static async open(url: string, database: string): Promise<MongoPlayerStore> {
    const prepare = async (db: Db) => {
      await db.collection('roma_players').createIndex({ account_id: 1 }, { name: 'by_account' });
      await db.collection('roma_player_names').createIndex({ zone: 1, name_key: 1 }, { name: 'unique_name', unique: true });
    };
    return new MongoPlayerStore(await MongoConnection.open({ url, database, what: 'the MongoDB player store', prepare }));
  }

  async create(doc: PlayerDoc): Promise<void> {
    checkNewPlayer(doc);
    const record: PlayerRecord = {
      _id: doc.playerId,
      account_id: doc.accountId,
      zone: doc.zone,
      version: doc.version,
      modules_json: encodeModules(doc.modules),
      updated_at_ms: doc.updatedAtMs,
    };
    const created = await this.db.run('create', async () => {
      try {
        await this.players.insertOne(record);
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    });
    if (!created) throw playerExists(doc.playerId);
  }

  async load(playerId: bigint): Promise<PlayerDoc | undefined> {
    checkId('playerId', playerId);
    const record = await this.db.run('load', () => this.players.findOne({ _id: playerId }));
    return record === null ? undefined : toDoc(record);
  }

  async save(playerId: bigint, expectedVersion: number, modules: PlayerModules, nowMs: number): Promise<SaveResult> {
    checkId('playerId', playerId);
    checkCount('expectedVersion', expectedVersion);
    checkCount('nowMs', nowMs);
    const modulesJson = encodeModules(modules);
    return this.db.run('save', async (): Promise<SaveResult> => {
      const updated = await this.players.updateOne(
        { _id: playerId, version: expectedVersion },
        { $set: { modules_json: modulesJson, updated_at_ms: nowMs }, $inc: { version: 1 } },
      );
      if (updated.matchedCount === 1) return { ok: true, version: expectedVersion + 1 };
      // Only to say why nothing was updated; the version read here may already be newer still.
      const current = await this.players.findOne({ _id: playerId }, { projection: { version: 1 } });
      if (current === null) return { ok: false, reason: 'not_found' };
      return { ok: false, reason: 'version_conflict', currentVersion: Number(current.version) };
    });
  }

  async listByAccount(accountId: bigint): Promise<PlayerDoc[]> {
    checkId('accountId', accountId);
    const records = await this.db.run('listByAccount', () => this.players.find({ account_id: accountId }).sort({ _id: 1 }).toArray());
    return records.map(toDoc);
  }

  async searchByName(zone: number, prefix: string, limit: number): Promise<NameEntry[]> {
    checkZone(zone);
    checkLimit(limit);
    // An anchored, case-sensitive regex is a range scan on the unique index; the key is already folded.
    const pattern = `^${escapeRegex(prefixKey(prefix))}`;
    const records = await this.db.run('searchByName', () =>
      this.names.find({ zone, name_key: { $regex: pattern } }).sort({ name_key: 1 }).limit(limit).toArray(),
    );
    return records.map((record) => ({ playerId: toBigInt(record.player_id), name: record.name }));
  }

  async claimName(zone: number, name: string, playerId: bigint): Promise<ClaimResult> {
    checkZone(zone);
    checkId('playerId', playerId);
    const key = nameKey(name);
    return this.db.run('claimName', async (): Promise<ClaimResult> => {
      try {
        await this.names.insertOne({ zone, name_key: key, name, player_id: playerId });
        return { ok: true };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      // Taken: fine only if this player holds it (a re-claim, possibly with new casing).
      const own = await this.names.updateOne({ zone, name_key: key, player_id: playerId }, { $set: { name } });
      return own.matchedCount === 1 ? { ok: true } : { ok: false, reason: 'name_taken' };
    });
  }

  async releaseName(zone: number, name: string, playerId: bigint): Promise<boolean> {
    checkZone(zone);
    checkId('playerId', playerId);
    const key = nameKey(name);
    const removed = await this.db.run('releaseName', () => this.names.deleteOne({ zone, name_key: key, player_id: playerId }));
    return removed.deletedCount === 1;
  }

  allocatePlayerId(): Promise<bigint> {
    return this.db.run('allocatePlayerId', () => this.db.nextCounter('roma_player_id', FIRST_PLAYER_ID));
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function toDoc(record: PlayerRecord): PlayerDoc {
  const playerId = toBigInt(record._id);
  return {
    playerId,
    accountId: toBigInt(record.account_id),
    zone: record.zone,
    version: Number(record.version),
    modules: decodeModules(record.modules_json, playerId),
    updatedAtMs: Number(record.updated_at_ms),
  };
}
