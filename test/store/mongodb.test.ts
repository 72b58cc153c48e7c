// The store contract against MongoDB. No MongoDB server can run on the build
// machines, so this runs only with MONGO_URL set (a database per test, dropped
// afterwards); without it one visibly skipped test says how to run it.
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { describe, it } from 'vitest';
import { configSchema } from '../../src/common/config/index.js';
import { storeContract } from './contract.js';

const url = process.env.MONGO_URL;

describe.skipIf(!url)('MongoDB contract (set MONGO_URL to run)', () => {
  if (!url) {
    it('runs the store contract against MongoDB', () => undefined);
    return;
  }
  storeContract(async () => {
    const database = `pantheon_test_${randomBytes(6).toString('hex')}`;
    const { data_dir, storage } = configSchema.parse({ storage: { kind: 'mongodb', mongodb: { url, database } } });
    return {
      config: { data_dir, storage },
      async dispose() {
        const client = new MongoClient(url);
        try {
          await client.db(database).dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  });
});
