// The real Roma process (dist/roma.js) loads game data before it binds a
// port: good tables are logged, a bad row stops it with exit code 1 and the
// file, row and field in its output. Needs `npm run build:ts` first.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { startService } from '../harness/processes.js';
import { itemRow, tablesWith, tempTableDir, type TempDir } from './tables.js';

let cluster: TestCluster | undefined;
let temp: TempDir | undefined;

afterEach(async () => {
  await cluster?.stop();
  temp?.remove();
  cluster = temp = undefined;
});

describe('Roma start with game data', () => {
  it('loads the shipped tables and says how many rows each has', async () => {
    cluster = await createTestCluster({ services: ['roma'] });
    const loaded = await cluster.processes.roma!.waitForLog((line) => line.event === 'gamedata_loaded');
    expect(loaded.tables).toEqual({ items: 10, levels: 30, room_modes: 3, chat_channels: 3 });
  });

  it('exits 1 naming the file, the row and the field of a bad row', async () => {
    temp = tempTableDir(
      tablesWith((t) => {
        itemRow(t, 2002).stack_limit = 0;
        t['levels.json'].rows.splice(7, 1);
      }),
    );
    cluster = await createTestCluster({ services: [], overrides: { roma: { gamedata_dir: temp.dir } } });
    const roma = await startService('roma', cluster.configPath, { noWait: true });

    const code = await roma.exited;
    const output = `${roma.stderr.join('')}\n${roma.lines.map((line) => line.msg ?? '').join('\n')}`;

    expect(code).toBe(1);
    expect(output).toContain(`${join(temp.dir, 'items.json')} row 3 (id 2002): stack_limit: expected a number >= 1, got 0`);
    expect(output).toContain(`${join(temp.dir, 'levels.json')} row 7 (level 9): level: expected 8`);
    expect(roma.lines.find((line) => line.event === 'start_failed')?.code).toBe('GAMEDATA_INVALID');
    expect(roma.lines.some((line) => line.event === 'ready')).toBe(false);
  });
});
