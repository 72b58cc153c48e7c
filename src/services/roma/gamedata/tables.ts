// The shape of every game-data table: one zod schema per row, the file it
// lives in and the field that names a row in error messages. Rules that need
// more than one row (unique ids, level order, item references) live in
// cross-checks.ts; this file judges each row on its own.
import { z } from 'zod';

const MAX_INT32 = 2 ** 31 - 1;
/** Lower-case word ids ("duel", "world") read well in logs, URLs and config. */
const wordId = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'expected 1-32 characters of a-z, 0-9 and _, starting with a letter');
const displayName = z.string().min(1).max(64);

const itemGrant = z.object({ item_id: z.number().int().min(1).max(MAX_INT32), count: z.number().int().min(1).max(9999) }).strict();

const itemUse = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z.object({ kind: z.literal('grant_exp'), amount: z.number().int().min(1).max(1e11) }).strict(),
  z.object({ kind: z.literal('grant_items'), items: z.array(itemGrant).min(1).max(64) }).strict(),
]);

const itemRow = z
  .object({
    id: z.number().int().min(1).max(MAX_INT32),
    name: displayName,
    description: z.string().max(256).default(''),
    stack_limit: z.number().int().min(1).max(9999),
    /** Whether using the item uses it up. */
    consumable: z.boolean(),
    use: itemUse.default({ kind: 'none' }),
  })
  .strict();

// exp_to_next is capped so the running total over every level stays a safe integer.
const levelRow = z
  .object({
    level: z.number().int().min(1).max(10_000),
    exp_to_next: z.number().int().min(0).max(1e11),
  })
  .strict();

const roomModeRow = z
  .object({
    id: wordId,
    name: displayName,
    min_players: z.number().int().min(1).max(64),
    max_players: z.number().int().min(2).max(64),
    ready_required: z.boolean(),
    relay_rate_limit_per_s: z.number().int().min(1).max(1000),
  })
  .strict();

const chatChannelRow = z
  .object({
    id: wordId,
    history_size: z.number().int().min(0).max(1000),
    max_message_length: z.number().int().min(1).max(2000),
    rate_per_s: z.number().positive().max(100),
    burst: z.number().int().min(1).max(1000),
  })
  .strict();

/** Every table file: `{ "rows": [...] }`, plus free-form `meta` a generator may fill (source sheet, time). */
export const tableFileSchema = z
  .object({
    rows: z.array(z.unknown()).min(1),
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export interface TableSpec<Row> {
  readonly file: string;
  /** The field shown next to the row index in messages, e.g. `row 3 (id 1003)`. */
  readonly keyField: string;
  readonly row: z.ZodType<Row, unknown>;
}

/** Values are frozen after loading; the types say so all the way down. */
export type Frozen<T> = T extends readonly (infer U)[]
  ? readonly Frozen<U>[]
  : T extends object
    ? { readonly [K in keyof T]: Frozen<T[K]> }
    : T;

export type Item = Frozen<z.output<typeof itemRow>>;
export type ItemUse = Item['use'];
export type ItemGrant = Frozen<z.output<typeof itemGrant>>;
export type LevelRow = Frozen<z.output<typeof levelRow>>;
export type RoomMode = Frozen<z.output<typeof roomModeRow>>;
export type ChatChannel = Frozen<z.output<typeof chatChannelRow>>;

export const TABLES = {
  items: { file: 'items.json', keyField: 'id', row: itemRow } satisfies TableSpec<z.output<typeof itemRow>>,
  levels: { file: 'levels.json', keyField: 'level', row: levelRow } satisfies TableSpec<z.output<typeof levelRow>>,
  room_modes: { file: 'room_modes.json', keyField: 'id', row: roomModeRow } satisfies TableSpec<z.output<typeof roomModeRow>>,
  chat: { file: 'chat.json', keyField: 'id', row: chatChannelRow } satisfies TableSpec<z.output<typeof chatChannelRow>>,
} as const;

export type TableName = keyof typeof TABLES;
export const TABLE_NAMES = Object.keys(TABLES) as TableName[];
export type RowOf<T extends TableName> = z.output<(typeof TABLES)[T]['row']>;
