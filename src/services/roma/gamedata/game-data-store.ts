// Holds the GameData Roma serves from and swaps it on reload: all tables or
// none. A reload that finds any problem leaves the current data in place and
// returns the problems; it never throws them at the caller (an admin call).
import { GameData } from './game-data.js';
import { describeSource, GameDataError, loadGameData, type GameDataSource } from './load-game-data.js';

export type ReloadResult =
  | { readonly ok: true; readonly data: GameData; readonly version: number }
  | { readonly ok: false; readonly error: GameDataError; readonly version: number };

export class GameDataStore {
  private data: GameData;
  private generation = 1;
  private loadedAt = new Date();
  /** Reloads run one after another, so a slow older reload can never replace a newer one's data. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly source: GameDataSource,
    initial: GameData,
  ) {
    this.data = initial;
  }

  /** Loads every table once; throws GameDataError (code GAMEDATA_INVALID) listing every problem. */
  static async open(source: GameDataSource): Promise<GameDataStore> {
    return new GameDataStore(source, await loadGameData(source));
  }

  /**
   * The data to use now. Read it once per request and keep that object for the
   * whole request, so a reload in between cannot mix two versions.
   */
  get current(): GameData {
    return this.data;
  }

  /** 1 for the data loaded at start, +1 for every successful reload. */
  get version(): number {
    return this.generation;
  }

  get lastLoadedAt(): Date {
    return this.loadedAt;
  }

  get sourceDescription(): string {
    return describeSource(this.source);
  }

  /** Re-reads every table from the same source; swaps only if all of them validate. */
  reload(): Promise<ReloadResult> {
    const next = this.queue.then(() => this.loadAndSwap());
    // The queue only orders reloads; each caller gets its own outcome from `next`.
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async loadAndSwap(): Promise<ReloadResult> {
    try {
      const data = await loadGameData(this.source);
      this.data = data;
      this.generation += 1;
      this.loadedAt = new Date();
      return { ok: true, data, version: this.generation };
    } catch (error) {
      // Anything else (a bug, not bad data) is the caller's to see as a rejection.
      if (error instanceof GameDataError) return { ok: false, error, version: this.generation };
      throw error;
    }
  }
}
