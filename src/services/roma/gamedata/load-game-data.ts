// Reads every game-data table from a directory or from an in-memory map of
// file name → parsed JSON (what a generator such as the Excel pipeline
// produces), validates every row and every cross-table rule, and returns a
// GameData only if all of it holds. Otherwise it throws one GameDataError
// that lists every problem; it never returns part of the data.
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { errorMessage, PantheonError } from '../../../common/errors.js';
import { CROSS_CHECKS, type CheckedRow, type CheckedTable, type CrossCheck } from './cross-checks.js';
import { GameData } from './game-data.js';
import { describeValue, ProblemList } from './problems.js';
import { TABLES, tableFileSchema, type TableSpec } from './tables.js';

/** File name (e.g. "items.json") → its parsed JSON content. Names that are not tables are ignored. */
export type GameDataFiles = Readonly<Record<string, unknown>>;
/** A directory holding the table files, or the tables themselves. */
export type GameDataSource = string | GameDataFiles;

export class GameDataError extends PantheonError {
  /** One line per problem, each naming the file, the row and the field. */
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[]) {
    const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    super('GAMEDATA_INVALID', `invalid game data (${source}), ${count}; none of the tables was loaded:\n  - ${problems.join('\n  - ')}`);
    this.name = 'GameDataError';
    this.problems = problems;
  }
}

interface TableFile {
  /** How messages name the file: the path relative to the working directory, or the bare name for in-memory tables. */
  readonly label: string;
  readonly content: unknown;
}

export async function loadGameData(source: GameDataSource): Promise<GameData> {
  const problems = new ProblemList();
  const files = typeof source === 'string' ? await readDirectory(resolve(source), problems) : takeFiles(source, problems);
  const checkTable = <Row>(spec: TableSpec<Row>, crossCheck: CrossCheck<Row>): CheckedTable<Row> | undefined => {
    const file = files.get(spec.file);
    const rows = file && checkRows(spec, file, problems);
    if (!file || !rows) return undefined;
    crossCheck({ file: file.label, rows }, problems);
    return { file: file.label, rows };
  };
  const items = checkTable(TABLES.items, CROSS_CHECKS.items);
  const levels = checkTable(TABLES.levels, CROSS_CHECKS.levels);
  const roomModes = checkTable(TABLES.room_modes, CROSS_CHECKS.room_modes);
  const chat = checkTable(TABLES.chat, CROSS_CHECKS.chat);
  if (problems.size > 0) throw new GameDataError(describeSource(source), problems.lines);
  return new GameData({ items: valuesOf(items), levels: valuesOf(levels), room_modes: valuesOf(roomModes), chat: valuesOf(chat) });
}

export function describeSource(source: GameDataSource): string {
  return typeof source === 'string' ? displayPath(resolve(source)) : 'in-memory tables';
}

async function readDirectory(dir: string, problems: ProblemList): Promise<Map<string, TableFile>> {
  const files = new Map<string, TableFile>();
  const isDirectory = await stat(dir).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!isDirectory) {
    problems.file(displayPath(dir), 'not a directory; point roma.gamedata_dir at the folder holding the table files');
    return files;
  }
  // Read all first, judge in table order: the message order must not depend on which read finished first.
  const specs = Object.values(TABLES);
  const texts = await Promise.all(specs.map((spec) => readFile(join(dir, spec.file), 'utf8').catch((error: unknown) => error as NodeJS.ErrnoException)));
  specs.forEach((spec, i) => {
    const label = displayPath(join(dir, spec.file));
    const text = texts[i];
    if (typeof text !== 'string') {
      problems.file(label, text.code === 'ENOENT' ? 'file is missing; every table must exist (see gamedata/README.md)' : `cannot read: ${text.message}`);
      return;
    }
    const content = parseJson(text, label, problems);
    if (content !== undefined) files.set(spec.file, { label, content });
  });
  return files;
}

function takeFiles(source: GameDataFiles, problems: ProblemList): Map<string, TableFile> {
  const files = new Map<string, TableFile>();
  for (const spec of Object.values(TABLES)) {
    if (Object.hasOwn(source, spec.file)) files.set(spec.file, { label: spec.file, content: source[spec.file] });
    else problems.file(spec.file, 'missing from the supplied tables; every table must be given');
  }
  return files;
}

function parseJson(text: string, label: string, problems: ProblemList): unknown {
  try {
    // Spreadsheet exporters on Windows often start files with a byte-order mark, which JSON.parse rejects.
    return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
  } catch (error) {
    problems.file(label, `not valid JSON: ${withLineAndColumn(errorMessage(error), text)}`);
    return undefined;
  }
}

/** V8 says "at position 812"; an editor wants a line and a column. */
function withLineAndColumn(message: string, text: string): string {
  return message.replace(/at position (\d+)/, (_match, position: string) => {
    const before = text.slice(0, Number(position));
    const line = before.split('\n').length;
    const column = Number(position) - before.lastIndexOf('\n');
    return `at line ${line} column ${column}`;
  });
}

/** undefined when the file itself is wrong: its rows cannot be judged, so cross-checks skip it. */
function checkRows<Row>(spec: TableSpec<Row>, file: TableFile, problems: ProblemList): CheckedRow<Row>[] | undefined {
  const { content, label } = file;
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    problems.file(label, `expected { "rows": [ ... ] } at the top level, got ${Array.isArray(content) ? 'an array' : describeValue(content)}`);
    return undefined;
  }
  const table = tableFileSchema.safeParse(content);
  if (!table.success) {
    problems.zodIssues(table.error.issues, content, { file: label });
    return undefined;
  }
  return table.data.rows.map((raw, index) => {
    const ref = { file: label, index, keyField: spec.keyField, key: keyOf(raw, spec.keyField) };
    const row = spec.row.safeParse(raw);
    if (!row.success) problems.zodIssues(row.error.issues, raw, { row: ref });
    return { ref, value: row.success ? row.data : undefined };
  });
}

/** The key is read from the raw row, so it is known even when another field of the row is wrong. */
function keyOf(raw: unknown, keyField: string): string | number | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const key = (raw as Record<string, unknown>)[keyField];
  return typeof key === 'string' || (typeof key === 'number' && Number.isFinite(key)) ? key : undefined;
}

/** Only called when no problem was found, so every row has its value. */
function valuesOf<Row>(table: CheckedTable<Row> | undefined): Row[] {
  return (table?.rows ?? []).map((row) => row.value!);
}

function displayPath(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere && !fromHere.startsWith('..') && !isAbsolute(fromHere) ? fromHere : path;
}
