// Collects what is wrong with the game data as lines a designer can act on:
// the file, the row index and its key, the field, what was expected and what
// was found (`gamedata/items.json row 3 (id 1003): stack_limit: expected a
// number <= 9999, got 0`). It judges nothing itself.
import type { z } from 'zod';

/** Where a row sits: its file, its index in `rows` (from 0) and the value of its key field, if readable. */
export interface RowRef {
  readonly file: string;
  readonly index: number;
  readonly keyField: string;
  readonly key: string | number | undefined;
}

export class ProblemList {
  private readonly entries: { file: string; row: number; text: string }[] = [];

  get size(): number {
    return this.entries.length;
  }

  /**
   * Grouped by file (in the order files were first reported) and by row within
   * a file, whichever check found them: a designer fixes a file top to bottom.
   */
  get lines(): string[] {
    const fileRank = new Map<string, number>();
    for (const { file } of this.entries) if (!fileRank.has(file)) fileRank.set(file, fileRank.size);
    return this.entries
      .map((entry, i) => ({ ...entry, i }))
      .sort((a, b) => fileRank.get(a.file)! - fileRank.get(b.file)! || a.row - b.row || a.i - b.i)
      .map((entry) => entry.text);
  }

  /** A problem with a whole file (missing, not JSON, no rows). */
  file(file: string, text: string): void {
    this.entries.push({ file, row: -1, text: `${file}: ${text}` });
  }

  /** A problem with one field of one row; `field` is a path such as ['use', 'items', 0, 'item_id']. */
  field(row: RowRef, field: readonly PropertyKey[], text: string): void {
    const where = field.length ? `${describeRow(row)}: ${fieldPath(field)}` : describeRow(row);
    this.entries.push({ file: row.file, row: row.index, text: `${where}: ${text}` });
  }

  /** One line per zod issue; `value` is what was parsed, so each line can show what it found. */
  zodIssues(issues: readonly z.core.$ZodIssue[], value: unknown, at: { file: string } | { row: RowRef }): void {
    for (const issue of issues) {
      const texts =
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((key) => ({ path: [...issue.path, key], text: 'unknown field (check the spelling; gamedata/README.md lists every field)' }))
          : [{ path: issue.path, text: `${expectation(issue)}, got ${describeValue(valueAt(value, issue.path))}` }];
      for (const { path, text } of texts) {
        if ('row' in at) this.field(at.row, path, text);
        else this.file(at.file, path.length ? `${fieldPath(path)}: ${text}` : text);
      }
    }
  }
}

export function describeRow(row: RowRef): string {
  const key = row.key === undefined ? '' : ` (${row.keyField} ${typeof row.key === 'string' ? JSON.stringify(row.key) : row.key})`;
  return `${row.file} row ${row.index}${key}`;
}

/** ['use', 'items', 0, 'item_id'] → `use.items[0].item_id`, the way the JSON would be addressed in code. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${String(part)}`)).join('');
}

/** The value as JSON, shortened: a whole nested object in a log line helps nobody. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'int' ? 'expected an integer' : `expected ${article(issue.expected)} ${issue.expected}`;
    case 'too_small':
      return `expected ${bound(issue.origin, issue.inclusive ? '>=' : '>', issue.minimum, 'at least')}`;
    case 'too_big':
      return `expected ${bound(issue.origin, issue.inclusive ? '<=' : '<', issue.maximum, 'at most')}`;
    case 'invalid_value':
      return `expected ${issue.values.length === 1 ? '' : 'one of '}${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      // A discriminated union with an unknown `kind` lists the kinds it knows.
      if ('options' in issue && Array.isArray(issue.options)) return `expected one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}`;
      return issue.message;
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}

function bound(origin: string, operator: string, limit: number | bigint, words: string): string {
  const one = Number(limit) === 1;
  if (origin === 'string') return `${words} ${limit} character${one ? '' : 's'}`;
  if (origin === 'array') return `${words} ${limit} entr${one ? 'y' : 'ies'}`;
  return `a number ${operator} ${limit}`;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}
