// The store contract against the embedded LMDB adapters: a temp data_dir per test.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/common/config/index.js';
import { openStores } from '../../src/store/index.js';
import { storeContract } from './contract.js';

function lmdbSpace() {
  const dir = mkdtempSync(join(tmpdir(), 'pantheon-store-'));
  const { data_dir, storage } = configSchema.parse({ data_dir: dir });
  return { config: { data_dir, storage }, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
}

describe('LMDB contract', () => {
  storeContract(async () => lmdbSpace());
});

describe('openStores with the default config', () => {
  it('uses LMDB under <data_dir>/<service>, one environment per service', async () => {
    const space = lmdbSpace();
    expect(space.config.storage.kind).toBe('lmdb');
    const stores = openStores(space.config, pino({ level: 'silent' }));
    try {
      await stores.accounts();
      expect(existsSync(join(space.config.data_dir, 'lares'))).toBe(true);
      expect(existsSync(join(space.config.data_dir, 'roma'))).toBe(false);
      await stores.players();
      expect(existsSync(join(space.config.data_dir, 'roma'))).toBe(true);
      expect(await stores.players()).toBe(await stores.players());
    } finally {
      await stores.close();
      await space.dispose();
    }
  });
});
