// Rules that need more than one row: unique ids, levels 1..N in order, item
// references that resolve, chests that do not loop. Each check reports every
// problem it finds and never stops early, so one load names everything that
// needs fixing.
import type { ProblemList, RowRef } from './problems.js';
import type { RowOf, TableName } from './tables.js';

/** A row as validated: `value` is set when the row passed its schema. */
export interface CheckedRow<Row> {
  readonly ref: RowRef;
  readonly value: Row | undefined;
}

export interface CheckedTable<Row> {
  readonly file: string;
  readonly rows: readonly CheckedRow<Row>[];
}

export type CrossCheck<Row> = (table: CheckedTable<Row>, problems: ProblemList) => void;

/** What each table must satisfy beyond its row schema. */
export const CROSS_CHECKS: { readonly [T in TableName]: CrossCheck<RowOf<T>> } = {
  items: ({ rows }, problems) => {
    checkUniqueKeys(rows, problems);
    checkItems(rows, problems);
  },
  levels: ({ rows }, problems) => checkLevels(rows, problems),
  room_modes: ({ rows }, problems) => {
    checkUniqueKeys(rows, problems);
    checkRoomModes(rows, problems);
  },
  chat: ({ file, rows }, problems) => {
    checkUniqueKeys(rows, problems);
    checkChat(file, rows, problems);
  },
};

// Keys are read from rows that failed their schema too, so a typo elsewhere in
// a row does not hide that its id is a duplicate (or make references to it dangle).
function checkUniqueKeys(rows: readonly CheckedRow<unknown>[], problems: ProblemList): void {
  const firstRow = new Map<string | number, number>();
  for (const { ref } of rows) {
    if (ref.key === undefined) continue;
    const first = firstRow.get(ref.key);
    if (first === undefined) firstRow.set(ref.key, ref.index);
    else problems.field(ref, [ref.keyField], `duplicate of row ${first}; every ${ref.keyField} must be unique`);
  }
}

function checkItems(rows: readonly CheckedRow<RowOf<'items'>>[], problems: ProblemList): void {
  const knownIds = new Set(rows.map((row) => row.ref.key).filter((key): key is number => typeof key === 'number'));
  const grants = new Map<number, number[]>();
  for (const { ref, value } of rows) {
    if (!value) continue;
    if (value.use.kind !== 'none' && !value.consumable) {
      // A use that does not use the item up could be repeated forever.
      problems.field(ref, ['consumable'], `expected true because use.kind is "${value.use.kind}" (the item would grant forever), got false`);
    }
    if (value.use.kind !== 'grant_items') continue;
    value.use.items.forEach((grant, i) => {
      if (!knownIds.has(grant.item_id)) {
        problems.field(ref, ['use', 'items', i, 'item_id'], `expected the id of an item in this file, got ${grant.item_id} (no such item)`);
      }
    });
    grants.set(value.id, value.use.items.map((grant) => grant.item_id));
  }
  reportGrantLoops(rows, grants, problems);
}

/**
 * A chest that grants itself, directly or through other chests, can be opened
 * forever and mints whatever else it grants on the way. Reported once per
 * loop, on the row where the search entered it.
 */
function reportGrantLoops(rows: readonly CheckedRow<RowOf<'items'>>[], grants: ReadonlyMap<number, readonly number[]>, problems: ProblemList): void {
  const done = new Set<number>();
  const refById = new Map(rows.filter((row) => row.value).map((row) => [row.value!.id, row.ref]));
  const visit = (id: number, path: number[]): void => {
    const at = path.indexOf(id);
    if (at >= 0) {
      const loop = [...path.slice(at), id];
      problems.field(refById.get(loop[0])!, ['use', 'items'], `grants form a loop ${loop.join(' → ')}: opening them never ends`);
      return;
    }
    if (done.has(id)) return;
    path.push(id);
    for (const next of grants.get(id) ?? []) visit(next, path);
    path.pop();
    done.add(id);
  };
  for (const id of grants.keys()) visit(id, []);
}

function checkLevels(rows: readonly CheckedRow<RowOf<'levels'>>[], problems: ProblemList): void {
  checkLevelOrder(rows.map((row) => row.ref), problems);
  rows.forEach(({ ref, value }, i) => {
    if (!value) return;
    const last = i === rows.length - 1;
    if (last && value.exp_to_next !== 0) {
      problems.field(ref, ['exp_to_next'], `expected 0 on the last row (it marks the max level), got ${value.exp_to_next}`);
    } else if (!last && value.exp_to_next === 0) {
      problems.field(ref, ['exp_to_next'], 'expected a number >= 1 (only the last level, the max level, has 0), got 0');
    }
  });
}

/**
 * Level i must sit in row i - 1. After a mismatch the check resynchronises so
 * one mistake is one problem: a mistyped level (the next row carries on where
 * it should) keeps the count going; a missing or inserted row restarts it
 * from the level found. A level its schema already rejected counts as a typo.
 */
function checkLevelOrder(refs: readonly RowRef[], problems: ProblemList): void {
  const isLevel = (key: unknown): key is number => Number.isInteger(key) && (key as number) >= 1;
  let expected = 1;
  refs.forEach((ref, i) => {
    const level = ref.key;
    if (level === expected || !isLevel(level)) {
      expected += 1;
      return;
    }
    problems.field(ref, ['level'], `expected ${expected} (levels run 1, 2, 3, ... in order without gaps or repeats), got ${level}`);
    expected = refs[i + 1]?.key === expected + 1 ? expected + 1 : level + 1;
  });
}

function checkRoomModes(rows: readonly CheckedRow<RowOf<'room_modes'>>[], problems: ProblemList): void {
  for (const { ref, value } of rows) {
    if (value && value.min_players > value.max_players) {
      problems.field(ref, ['min_players'], `expected a number <= max_players (${value.max_players}), got ${value.min_players}`);
    }
  }
}

/** The world channel is the one every player joins; chat cannot run without its limits. */
export const REQUIRED_CHAT_CHANNELS = ['world'] as const;

function checkChat(file: string, rows: readonly CheckedRow<RowOf<'chat'>>[], problems: ProblemList): void {
  const ids = new Set(rows.map((row) => row.ref.key));
  for (const id of REQUIRED_CHAT_CHANNELS) {
    if (!ids.has(id)) problems.file(file, `rows: expected a row with id "${id}", found none`);
  }
}
