// loadGameData judges whole tables: every row, every cross-table rule, and
// every problem named by file, row and field in one error.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GameDataError, loadGameData, type GameDataSource } from '../../src/services/roma/gamedata/index.js';
import { itemRow, shippedDir, shippedTables, tablesWith, tempTableDir, type Tables } from './tables.js';

/** The problems loading `source` reports (fails the test if it loads). */
async function problemsOf(source: GameDataSource | Tables): Promise<readonly string[]> {
  const error = await loadGameData(source).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GameDataError);
  return (error as GameDataError).problems;
}

describe('loadGameData with the shipped tables', () => {
  it('loads every shipped table from gamedata/', async () => {
    const data = await loadGameData(shippedDir);
    expect(data.summary()).toEqual({ items: 10, levels: 30, room_modes: 3, chat_channels: 3 });
    expect(data.item(1001)?.use).toEqual({ kind: 'grant_exp', amount: 100 });
    expect(data.item(4001)?.use).toEqual({ kind: 'grant_items', items: [{ item_id: 2001, count: 50 }, { item_id: 2003, count: 3 }] });
    expect(data.item(2001)?.use).toEqual({ kind: 'none' });
    expect(data.item(9999)).toBeUndefined();
    expect(data.roomModes().some((mode) => mode.max_players === 8)).toBe(true);
    expect(data.roomMode('duel')).toMatchObject({ min_players: 2, max_players: 2, ready_required: true });
    expect(data.chatChannel('world')).toMatchObject({ history_size: 50, max_message_length: 200 });
  });

  it('answers levels from total exp along the curve', async () => {
    const data = await loadGameData(shippedDir);
    expect(data.maxLevel).toBe(30);
    expect(data.levelFor(0)).toBe(1);
    expect(data.levelFor(99)).toBe(1);
    expect(data.levelFor(100)).toBe(2);
    expect(data.levelFor(399)).toBe(2);
    expect(data.levelFor(400)).toBe(3);
    expect(data.levelStartExp(3)).toBe(400);
    expect(data.levelFor(Number.MAX_SAFE_INTEGER)).toBe(30);
    expect(data.expToNext(1)).toBe(100);
    expect(data.expToNext(30)).toBe(0);
    expect(data.expToNext(31)).toBeUndefined();
    expect(() => data.levelFor(-1)).toThrow(/levelFor needs a whole number of exp >= 0, got -1/);
  });

  it('hands out frozen rows that a module cannot change', async () => {
    const data = await loadGameData(shippedDir);
    const chest = data.item(4001)!;
    expect(() => {
      (chest as { stack_limit: number }).stack_limit = 1;
    }).toThrow(TypeError);
    expect(() => {
      (chest.use as unknown as { items: unknown[] }).items.push({ item_id: 1, count: 1 });
    }).toThrow(TypeError);
    expect(Object.isFrozen(data)).toBe(true);
  });

  it('loads tables given in memory, as a generator would pass them', async () => {
    const data = await loadGameData(tablesWith((t) => (itemRow(t, 1001).name = 'Generated Potion')));
    expect(data.item(1001)?.name).toBe('Generated Potion');
  });
});

describe('loadGameData names the file, the row and the field of a bad row', () => {
  it('reports a field of the wrong type', async () => {
    const problems = await problemsOf(tablesWith((t) => (itemRow(t, 2001).stack_limit = '99')));
    expect(problems).toEqual(['items.json row 2 (id 2001): stack_limit: expected a number, got "99"']);
  });

  it('reports values out of range', async () => {
    const problems = await problemsOf(
      tablesWith((t) => {
        itemRow(t, 2001).stack_limit = 0;
        itemRow(t, 2002).stack_limit = 10_000;
        t['room_modes.json'].rows[2].max_players = 65;
      }),
    );
    expect(problems).toEqual([
      'items.json row 2 (id 2001): stack_limit: expected a number >= 1, got 0',
      'items.json row 3 (id 2002): stack_limit: expected a number <= 9999, got 10000',
      'room_modes.json row 2 (id "free_for_all"): max_players: expected a number <= 64, got 65',
    ]);
  });

  it('reports a duplicate id on the later row and names the first', async () => {
    const problems = await problemsOf(tablesWith((t) => (itemRow(t, 2002).id = 2001)));
    expect(problems).toEqual(['items.json row 3 (id 2001): id: duplicate of row 2; every id must be unique']);
  });

  it('reports a duplicate room mode id', async () => {
    const problems = await problemsOf(tablesWith((t) => (t['room_modes.json'].rows[1].id = 'duel')));
    expect(problems).toEqual(['room_modes.json row 1 (id "duel"): id: duplicate of row 0; every id must be unique']);
  });

  it('reports a chest that grants an item that does not exist', async () => {
    const problems = await problemsOf(tablesWith((t) => (itemRow(t, 4002).use.items[1].item_id = 9999)));
    expect(problems).toEqual(['items.json row 8 (id 4002): use.items[1].item_id: expected the id of an item in this file, got 9999 (no such item)']);
  });

  it('reports chests that grant each other in a loop', async () => {
    const problems = await problemsOf(tablesWith((t) => itemRow(t, 4001).use.items.push({ item_id: 4002, count: 1 }) && itemRow(t, 4002).use.items.push({ item_id: 4001, count: 1 })));
    expect(problems).toEqual(['items.json row 7 (id 4001): use.items: grants form a loop 4001 → 4002 → 4001: opening them never ends']);
  });

  it('reports a use effect on an item that is not used up', async () => {
    const problems = await problemsOf(tablesWith((t) => (itemRow(t, 1001).consumable = false)));
    expect(problems).toEqual(['items.json row 0 (id 1001): consumable: expected true because use.kind is "grant_exp" (the item would grant forever), got false']);
  });

  it('reports an unknown use effect kind and lists the known ones', async () => {
    const problems = await problemsOf(tablesWith((t) => (itemRow(t, 1002).use = { kind: 'teleport', amount: 1 })));
    expect(problems).toEqual(['items.json row 1 (id 1002): use.kind: expected one of "none", "grant_exp", "grant_items", got "teleport"']);
  });

  it('reports a missing field of an effect and an unknown field of a row', async () => {
    const problems = await problemsOf(
      tablesWith((t) => {
        itemRow(t, 1001).use = { kind: 'grant_exp' };
        itemRow(t, 2001).stack_limt = 5;
      }),
    );
    expect(problems).toEqual([
      'items.json row 0 (id 1001): use.amount: expected a number, got nothing',
      'items.json row 2 (id 2001): stack_limt: unknown field (check the spelling; gamedata/README.md lists every field)',
    ]);
  });

  it('reports a gap in the levels once, not once per later level', async () => {
    const problems = await problemsOf(tablesWith((t) => t['levels.json'].rows.splice(4, 1)));
    expect(problems).toEqual(['levels.json row 4 (level 6): level: expected 5 (levels run 1, 2, 3, ... in order without gaps or repeats), got 6']);
  });

  it('reports levels that do not start at 1 and a repeated level', async () => {
    const problems = await problemsOf(
      tablesWith((t) => {
        t['levels.json'].rows[0].level = 0;
        t['levels.json'].rows[3].level = 3;
      }),
    );
    expect(problems).toEqual([
      'levels.json row 0 (level 0): level: expected a number >= 1, got 0',
      'levels.json row 3 (level 3): level: expected 4 (levels run 1, 2, 3, ... in order without gaps or repeats), got 3',
    ]);
  });

  it('reports an inserted duplicate level once', async () => {
    const problems = await problemsOf(tablesWith((t) => t['levels.json'].rows.splice(3, 0, { level: 3, exp_to_next: 580 })));
    expect(problems).toEqual(['levels.json row 3 (level 3): level: expected 4 (levels run 1, 2, 3, ... in order without gaps or repeats), got 3']);
  });

  it('reports a zero exp_to_next before the max level and a non-zero one on it', async () => {
    const problems = await problemsOf(
      tablesWith((t) => {
        t['levels.json'].rows[9].exp_to_next = 0;
        t['levels.json'].rows[29].exp_to_next = 5;
      }),
    );
    expect(problems).toEqual([
      'levels.json row 9 (level 10): exp_to_next: expected a number >= 1 (only the last level, the max level, has 0), got 0',
      'levels.json row 29 (level 30): exp_to_next: expected 0 on the last row (it marks the max level), got 5',
    ]);
  });

  it('reports a room mode whose minimum is above its maximum', async () => {
    const problems = await problemsOf(tablesWith((t) => (t['room_modes.json'].rows[0].min_players = 3)));
    expect(problems).toEqual(['room_modes.json row 0 (id "duel"): min_players: expected a number <= max_players (2), got 3']);
  });

  it('reports a chat table without the world channel', async () => {
    const problems = await problemsOf(tablesWith((t) => (t['chat.json'].rows = t['chat.json'].rows.filter((r) => r.id !== 'world'))));
    expect(problems).toEqual(['chat.json: rows: expected a row with id "world", found none']);
  });

  it('reports a file that is not { "rows": [...] }', async () => {
    const bare = shippedTables() as Record<string, unknown>;
    bare['levels.json'] = [{ level: 1, exp_to_next: 0 }];
    bare['chat.json'] = { rows: [] };
    expect(await problemsOf(bare)).toEqual([
      'levels.json: expected { "rows": [ ... ] } at the top level, got an array',
      'chat.json: rows: expected at least 1 entry, got []',
    ]);
  });

  it('reports a table missing from in-memory tables', async () => {
    const partial = shippedTables() as Partial<Tables>;
    delete partial['room_modes.json'];
    expect(await problemsOf(partial)).toEqual(['room_modes.json: missing from the supplied tables; every table must be given']);
  });
});

describe('loadGameData from a directory', () => {
  it('reports malformed JSON with the line and column', async () => {
    const temp = tempTableDir();
    try {
      temp.writeText('room_modes.json', '{\n  "rows": [\n    {"id": "duel",}\n  ]\n}\n');
      const problems = await problemsOf(temp.dir);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${join(temp.dir, 'room_modes.json')}: not valid JSON: .* at line 3 column 19$`));
    } finally {
      temp.remove();
    }
  });

  it('reports a missing table file', async () => {
    const { 'chat.json': _chat, ...rest } = shippedTables();
    const temp = tempTableDir(rest);
    try {
      expect(await problemsOf(temp.dir)).toEqual([`${join(temp.dir, 'chat.json')}: file is missing; every table must exist (see gamedata/README.md)`]);
    } finally {
      temp.remove();
    }
  });

  it('reports a directory that does not exist', async () => {
    const temp = tempTableDir();
    temp.remove();
    expect(await problemsOf(temp.dir)).toEqual([`${temp.dir}: not a directory; point roma.gamedata_dir at the folder holding the table files`]);
  });

  it('accepts files that start with a byte-order mark', async () => {
    const temp = tempTableDir();
    try {
      temp.writeText('chat.json', `\uFEFF${JSON.stringify(shippedTables()['chat.json'])}`);
      expect((await loadGameData(temp.dir)).chatChannel('world')).toBeDefined();
    } finally {
      temp.remove();
    }
  });
});

describe('loadGameData reports every problem at once', () => {
  it('lists problems from several rows and tables in one GAMEDATA_INVALID error', async () => {
    const temp = tempTableDir(
      tablesWith((t) => {
        itemRow(t, 3001).stack_limit = 0;
        itemRow(t, 4001).use.items[0].item_id = 7777;
        t['levels.json'].rows.splice(10, 1);
        t['room_modes.json'].rows[1].ready_required = 'yes';
      }),
    );
    try {
      const error = (await loadGameData(temp.dir).catch((e: unknown) => e)) as GameDataError;
      expect(error.code).toBe('GAMEDATA_INVALID');
      expect(error.problems).toEqual([
        `${join(temp.dir, 'items.json')} row 5 (id 3001): stack_limit: expected a number >= 1, got 0`,
        `${join(temp.dir, 'items.json')} row 7 (id 4001): use.items[0].item_id: expected the id of an item in this file, got 7777 (no such item)`,
        `${join(temp.dir, 'levels.json')} row 10 (level 12): level: expected 11 (levels run 1, 2, 3, ... in order without gaps or repeats), got 12`,
        `${join(temp.dir, 'room_modes.json')} row 1 (id "team_2v2"): ready_required: expected a boolean, got "yes"`,
      ]);
      expect(error.message).toMatch(/^invalid game data \(.*\), 4 problems; none of the tables was loaded:\n {2}- /);
    } finally {
      temp.remove();
    }
  });
});
