// One validated, immutable snapshot of every game-data table with typed
// lookups. Built only by loadGameData after every rule passed, so callers
// never re-check what the loader already guarantees (unique ids, levels
// 1..N, item references that resolve). Never mutated: a reload builds a new one.
import { PantheonError } from '../../../common/errors.js';
import type { ChatChannel, Frozen, Item, LevelRow, RoomMode, RowOf } from './tables.js';

export interface GameDataRows {
  readonly items: readonly RowOf<'items'>[];
  readonly levels: readonly RowOf<'levels'>[];
  readonly room_modes: readonly RowOf<'room_modes'>[];
  readonly chat: readonly RowOf<'chat'>[];
}

export interface GameDataSummary {
  readonly items: number;
  readonly levels: number;
  readonly room_modes: number;
  readonly chat_channels: number;
}

export class GameData {
  private readonly itemsById: ReadonlyMap<number, Item>;
  private readonly levelRows: readonly LevelRow[];
  /** levelStart[i] is the total exp at which level i + 1 begins; ascending, so levelFor is a binary search. */
  private readonly levelStart: readonly number[];
  private readonly roomModesById: ReadonlyMap<string, RoomMode>;
  private readonly chatById: ReadonlyMap<string, ChatChannel>;

  /** Use loadGameData; this trusts that `rows` passed every rule. */
  constructor(rows: GameDataRows) {
    const frozen = deepFreeze(rows);
    this.itemsById = new Map(frozen.items.map((item) => [item.id, item]));
    this.levelRows = frozen.levels;
    let total = 0;
    this.levelStart = Object.freeze(
      frozen.levels.map((row) => {
        const start = total;
        total += row.exp_to_next;
        return start;
      }),
    );
    this.roomModesById = new Map(frozen.room_modes.map((mode) => [mode.id, mode]));
    this.chatById = new Map(frozen.chat.map((channel) => [channel.id, channel]));
    Object.freeze(this);
  }

  item(id: number): Item | undefined {
    return this.itemsById.get(id);
  }

  /** In the order of items.json. */
  items(): readonly Item[] {
    return [...this.itemsById.values()];
  }

  get maxLevel(): number {
    return this.levelRows.length;
  }

  /** The level a player with `totalExp` accumulated experience has; maxLevel once exp passes the curve. */
  levelFor(totalExp: number): number {
    if (!Number.isSafeInteger(totalExp) || totalExp < 0) {
      throw new PantheonError('GAMEDATA_BAD_ARGUMENT', `levelFor needs a whole number of exp >= 0, got ${totalExp}`);
    }
    let low = 0;
    let high = this.levelStart.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.levelStart[mid] <= totalExp) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  }

  /** Exp needed to go from `level` to the next; 0 at the max level; undefined for a level that does not exist. */
  expToNext(level: number): number | undefined {
    return this.levelRows[level - 1]?.exp_to_next;
  }

  /** Total exp at which `level` begins (0 for level 1); undefined for a level that does not exist. */
  levelStartExp(level: number): number | undefined {
    return Number.isInteger(level) ? this.levelStart[level - 1] : undefined;
  }

  roomMode(id: string): RoomMode | undefined {
    return this.roomModesById.get(id);
  }

  /** In the order of room_modes.json. */
  roomModes(): readonly RoomMode[] {
    return [...this.roomModesById.values()];
  }

  chatChannel(id: string): ChatChannel | undefined {
    return this.chatById.get(id);
  }

  summary(): GameDataSummary {
    return { items: this.itemsById.size, levels: this.levelRows.length, room_modes: this.roomModesById.size, chat_channels: this.chatById.size };
  }
}

/** Freezes rows all the way down, so a module cannot change shared data by accident. */
function deepFreeze<T>(value: T): Frozen<T> {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value as Frozen<T>;
}
