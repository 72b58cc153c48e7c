// The one place that maps `storage.kind` to adapters. Services ask it for the
// store they need and get an interface back; each store is opened on first
// request, so a Lares process never creates Roma's tables and vice versa.
import { join, resolve } from 'node:path';
import type { PantheonConfig } from '../common/config/index.js';
import type { Logger } from '../common/logger.js';
import type { AccountStore } from './account-store.js';
import { redactUrl } from './errors.js';
import { LmdbAccountStore } from './lmdb/account-store.js';
import { LmdbPlayerStore } from './lmdb/player-store.js';
import { MongoAccountStore } from './mongodb/account-store.js';
import { MongoPlayerStore } from './mongodb/player-store.js';
import type { PlayerStore } from './player-store.js';
import { PostgresAccountStore } from './postgres/account-store.js';
import { PostgresPlayerStore } from './postgres/player-store.js';

export interface Stores {
  /** Lares's accounts and sessions (LMDB: <data_dir>/lares). Opened on the first call; later calls share it. */
  accounts(): Promise<AccountStore>;
  /** Roma's players and names (LMDB: <data_dir>/roma). Opened on the first call; later calls share it. */
  players(): Promise<PlayerStore>;
  /** Closes every store opened through this object; each store's own close() may have run already. */
  close(): Promise<void>;
}

interface Closable {
  close(): Promise<void>;
}

export function openStores(config: Pick<PantheonConfig, 'data_dir' | 'storage'>, logger: Logger): Stores {
  const storage = config.storage;
  const opened = new Map<string, Promise<Closable>>();
  const once = <T extends Closable>(name: 'accounts' | 'players', open: () => Promise<T>): Promise<T> => {
    let store = opened.get(name) as Promise<T> | undefined;
    if (!store) {
      store = open().then((ready) => {
        logger.info({ event: 'store_opened', store: name, kind: storage.kind, target: targetOf(config, name) }, `${name} store opened (${storage.kind})`);
        return ready;
      });
      opened.set(name, store);
      // A failed open is not cached: the caller sees the error and may try again.
      store.catch(() => opened.delete(name));
    }
    return store;
  };

  return {
    accounts: () => once('accounts', () => openAccountStore(config, logger)),
    players: () => once('players', () => openPlayerStore(config, logger)),
    async close() {
      const pending = [...opened.values()];
      opened.clear();
      // An open that failed was already reported to its caller; only close failures matter here.
      const ready = (await Promise.allSettled(pending)).flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      const closed = await Promise.allSettled(ready.map((store) => store.close()));
      const failed = closed.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

async function openAccountStore(config: Pick<PantheonConfig, 'data_dir' | 'storage'>, logger: Logger): Promise<AccountStore> {
  const { storage } = config;
  switch (storage.kind) {
    case 'lmdb':
      return LmdbAccountStore.open(lmdbDir(config, 'lares'));
    case 'postgres':
      return PostgresAccountStore.open(storage.postgres.url, storage.postgres.pool_size, logger);
    case 'mongodb':
      return MongoAccountStore.open(storage.mongodb.url, storage.mongodb.database);
  }
}

async function openPlayerStore(config: Pick<PantheonConfig, 'data_dir' | 'storage'>, logger: Logger): Promise<PlayerStore> {
  const { storage } = config;
  switch (storage.kind) {
    case 'lmdb':
      return LmdbPlayerStore.open(lmdbDir(config, 'roma'));
    case 'postgres':
      return PostgresPlayerStore.open(storage.postgres.url, storage.postgres.pool_size, logger);
    case 'mongodb':
      return MongoPlayerStore.open(storage.mongodb.url, storage.mongodb.database);
  }
}

/** LMDB keeps each service's data in its own environment under data_dir. */
function lmdbDir(config: Pick<PantheonConfig, 'data_dir'>, service: 'lares' | 'roma'): string {
  return join(resolve(config.data_dir), service);
}

function targetOf(config: Pick<PantheonConfig, 'data_dir' | 'storage'>, store: 'accounts' | 'players'): string {
  const { storage } = config;
  if (storage.kind === 'postgres') return redactUrl(storage.postgres.url);
  if (storage.kind === 'mongodb') return `${redactUrl(storage.mongodb.url)} (${storage.mongodb.database})`;
  return lmdbDir(config, store === 'accounts' ? 'lares' : 'roma');
}
