// Copies of the shipped tables for tests to break one row at a time, in
// memory or in a temp directory of their own.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../harness/processes.js';

export const TABLE_FILES = ['items.json', 'levels.json', 'room_modes.json', 'chat.json'] as const;
export type TableFile = (typeof TABLE_FILES)[number];
type Row = Record<string, any>;
export type Tables = Record<TableFile, { rows: Row[] }>;

export const shippedDir = join(repoRoot, 'gamedata');

/** A fresh deep copy of every shipped table, safe to edit. */
export function shippedTables(): Tables {
  const tables = {} as Tables;
  for (const file of TABLE_FILES) tables[file] = JSON.parse(readFileSync(join(shippedDir, file), 'utf8'));
  return tables;
}

/** The shipped tables with `edit` applied to a copy. */
export function tablesWith(edit: (tables: Tables) => void): Tables {
  const tables = shippedTables();
  edit(tables);
  return tables;
}

export function itemRow(tables: Tables, id: number): Row {
  const row = tables['items.json'].rows.find((r) => r.id === id);
  if (!row) throw new Error(`no item ${id} in the shipped tables`);
  return row;
}

export interface TempDir {
  dir: string;
  write(file: string, content: unknown): void;
  writeText(file: string, text: string): void;
  remove(): void;
}

/** A temp directory holding `tables` as JSON files. */
export function tempTableDir(tables: Partial<Record<TableFile, unknown>> = shippedTables()): TempDir {
  const dir = mkdtempSync(join(tmpdir(), 'pantheon-gamedata-'));
  const handle: TempDir = {
    dir,
    write: (file, content) => writeFileSync(join(dir, file), JSON.stringify(content, null, 2)),
    writeText: (file, text) => writeFileSync(join(dir, file), text),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  for (const [file, content] of Object.entries(tables)) handle.write(file, content);
  return handle;
}
