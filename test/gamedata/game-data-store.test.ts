// GameDataStore swaps all tables or none: a reload that finds any problem
// keeps every table of the data already in use.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GameDataError, GameDataStore } from '../../src/services/roma/gamedata/index.js';
import { itemRow, shippedTables, tablesWith, tempTableDir, type TempDir } from './tables.js';

const dirs: TempDir[] = [];
function tableDir(): TempDir {
  const dir = tempTableDir();
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

describe('GameDataStore', () => {
  it('refuses to open on bad data with GAMEDATA_INVALID', async () => {
    const temp = tableDir();
    temp.write('items.json', tablesWith((t) => (itemRow(t, 2001).stack_limit = 0))['items.json']);
    await expect(GameDataStore.open(temp.dir)).rejects.toMatchObject({ code: 'GAMEDATA_INVALID', problems: [expect.stringContaining('row 2 (id 2001): stack_limit')] });
  });

  it('swaps in the new tables when every table validates', async () => {
    const temp = tableDir();
    const store = await GameDataStore.open(temp.dir);
    const before = store.current;
    temp.write('items.json', tablesWith((t) => (itemRow(t, 1001).name = 'Tiny Exp Potion'))['items.json']);
    temp.write('levels.json', tablesWith((t) => (t['levels.json'].rows[0].exp_to_next = 50))['levels.json']);

    const result = await store.reload();

    expect(result).toMatchObject({ ok: true, version: 2 });
    expect(store.version).toBe(2);
    expect(store.current.item(1001)?.name).toBe('Tiny Exp Potion');
    expect(store.current.levelFor(50)).toBe(2);
    // The old snapshot is untouched: a request that still holds it sees one consistent version.
    expect(before.item(1001)?.name).toBe('Small Exp Potion');
    expect(before.levelFor(50)).toBe(1);
  });

  it('keeps every old table when a later table is broken, even one that changed validly', async () => {
    const temp = tableDir();
    const store = await GameDataStore.open(temp.dir);
    const before = store.current;
    temp.write('items.json', tablesWith((t) => (itemRow(t, 1001).name = 'Renamed Potion'))['items.json']);
    temp.write('room_modes.json', tablesWith((t) => (t['room_modes.json'].rows[2].max_players = 1))['room_modes.json']);

    const result = await store.reload();

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(GameDataError);
    expect(result.error.problems).toEqual([
      `${join(temp.dir, 'room_modes.json')} row 2 (id "free_for_all"): max_players: expected a number >= 2, got 1`,
    ]);
    expect(result.version).toBe(1);
    expect(store.current).toBe(before);
    expect(store.current.item(1001)?.name).toBe('Small Exp Potion');
  });

  it('keeps the old data when a table file disappears or stops being JSON', async () => {
    const temp = tableDir();
    const store = await GameDataStore.open(temp.dir);
    const before = store.current;
    temp.writeText('levels.json', '{ "rows": [');
    const broken = await store.reload();
    expect(broken.ok).toBe(false);
    expect(store.current).toBe(before);

    temp.write('levels.json', shippedTables()['levels.json']);
    expect((await store.reload()).ok).toBe(true);
    expect(store.version).toBe(2);
  });

  it('runs overlapping reloads one after another, so the last one requested wins', async () => {
    const temp = tableDir();
    const store = await GameDataStore.open(temp.dir);
    temp.write('items.json', tablesWith((t) => (itemRow(t, 1001).name = 'First'))['items.json']);
    const first = store.reload();
    temp.write('items.json', tablesWith((t) => (itemRow(t, 1001).name = 'Second'))['items.json']);
    const second = store.reload();

    const results = await Promise.all([first, second]);

    expect(results.map((r) => r.version)).toEqual([2, 3]);
    expect(store.current.item(1001)?.name).toBe('Second');
  });

  it('reloads tables given in memory', async () => {
    const store = await GameDataStore.open(shippedTables());
    expect((await store.reload()).ok).toBe(true);
    expect(store.sourceDescription).toBe('in-memory tables');
  });
});
