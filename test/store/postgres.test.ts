// The store contract against a real PostgreSQL (test/harness/postgres.ts): one
// server and database for this file, a fresh schema (search_path) per test.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/common/config/index.js';
import { openStores } from '../../src/store/index.js';
import { createTestCluster } from '../harness/cluster.js';
import { freePort } from '../harness/ports.js';
import { startPostgres, type TestPostgres } from '../harness/postgres.js';
import { register } from '../lares/lares-client.js';
import { storeContract } from './contract.js';

const DATABASE = 'store_contract';
let server: TestPostgres;
let baseUrl: string;
let schemas = 0;

beforeAll(async () => {
  server = await startPostgres();
  baseUrl = await server.createDatabase(DATABASE);
});

afterAll(async () => {
  await server?.dispose();
});

const configFor = (url: string) => {
  const { data_dir, storage } = configSchema.parse({ storage: { kind: 'postgres', postgres: { url, pool_size: 4 } } });
  return { data_dir, storage };
};

describe('PostgreSQL contract', () => {
  storeContract(async () => {
    const schema = `t${++schemas}`;
    await server.exec(DATABASE, `CREATE SCHEMA ${schema}`);
    // libpq's options parameter: every connection of the pool works in this test's schema.
    const url = `${baseUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    return {
      config: configFor(url),
      async dispose() {
        await server.exec(DATABASE, `DROP SCHEMA ${schema} CASCADE`);
      },
    };
  });
});

describe('PostgreSQL adapter', () => {
  it('says which URL failed, without its password, when the server cannot be reached', async () => {
    const url = `postgres://app:s3cret@127.0.0.1:${await freePort()}/nowhere`;
    const stores = openStores(configFor(url), pino({ level: 'silent' }));
    const failure = stores.players();
    await expect(failure).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringContaining(`postgres://app:***@127.0.0.1`) });
    await expect(failure).rejects.not.toThrow(/s3cret/);
    await expect(failure).rejects.toThrow(/storage\.postgres\.url/);
    await stores.close();
  });

  it('says which URL failed when the database does not exist', async () => {
    const stores = openStores(configFor(server.urlFor('missing_db')), pino({ level: 'silent' }));
    await expect(stores.accounts()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringMatching(/missing_db.*does not exist/) });
    await stores.close();
  });
});

describe('Lares on PostgreSQL', () => {
  it('keeps its accounts in PostgreSQL, not under data_dir, when storage.kind is postgres', async () => {
    await server.exec(DATABASE, 'CREATE SCHEMA lares_e2e');
    const url = `${baseUrl}?options=${encodeURIComponent('-c search_path=lares_e2e')}`;
    const cluster = await createTestCluster({ services: ['lares'], overrides: { storage: { kind: 'postgres', postgres: { url, pool_size: 2 } } } });
    try {
      const user = await register(cluster.laresUrl);
      const rows = await server.exec(DATABASE, 'SELECT account_id::text, username FROM lares_e2e.lares_accounts');
      expect(rows).toEqual([{ account_id: user.accountId, username: user.username }]);
      expect(existsSync(join(cluster.dataDir, 'lares'))).toBe(false);
    } finally {
      await cluster.stop();
    }
  });
});
