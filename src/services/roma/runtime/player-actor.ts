// One online (or briefly loaded) player: its module states, a serial mailbox
// that runs one message at a time in arrival order, second/minute ticks while
// a session is bound, and dirty tracking with saves that retry until they
// succeed. It must not decide who may talk to it: the runtime routes to it
// only from the session bound at enter game.
import { errorMessage } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import type { PlayerDoc, PlayerModules, PlayerStore } from '../../../store/index.js';
import type { GameDataStore } from '../gamedata/index.js';
import type { SessionInfo } from '../module-api.js';
import { SerialQueue } from '../serial-queue.js';
import type { PlayerContext, PlayerHooks, PlayerModule } from './player-module.js';

export interface ActorDeps {
  store: PlayerStore;
  gameData: GameDataStore;
  modules: readonly PlayerModule[];
  logger: Logger;
  now(): number;
  /** First retry delay after a failed save; doubles up to maxRetryMs. */
  retryBaseMs: number;
  maxRetryMs: number;
  push(session: SessionInfo, mod: number, seq: number, data: Uint8Array): void;
  /** Someone else saved this player since we loaded it: the runtime stops us. */
  onConflict(actor: PlayerActor): void;
}

export type SaveOutcome = 'saved' | 'clean' | 'conflict';

export class PlayerActor {
  readonly playerId: bigint;
  readonly accountId: bigint;
  readonly zone: number;
  /** The session bound at enter game; null while an admin or the runtime uses the player offline. */
  session: SessionInfo | null = null;
  /** Set when the actor is given up (conflict, shutdown); queued messages then do nothing. */
  stopped = false;
  private version: number;
  private readonly states = new Map<string, unknown>();
  /** Document entries no module of this build owns: kept and written back untouched. */
  private readonly foreign: PlayerModules = {};
  private readonly dirty = new Set<string>();
  private readonly mailbox = new SerialQueue();
  private saveChain: Promise<SaveOutcome> = Promise.resolve('clean');
  private saving = false;
  private saveRequested = false;
  private timers: NodeJS.Timeout[] = [];
  readonly ctx: PlayerContext;
  private readonly logger: Logger;

  constructor(doc: PlayerDoc, private readonly deps: ActorDeps) {
    this.playerId = doc.playerId;
    this.accountId = doc.accountId;
    this.zone = doc.zone;
    this.version = doc.version;
    this.logger = deps.logger.child({ player_id: String(doc.playerId) });
    const owned = new Set(deps.modules.map((module) => module.name));
    for (const [name, value] of Object.entries(doc.modules)) if (!owned.has(name)) this.foreign[name] = value;
    for (const module of deps.modules) this.states.set(module.name, module.loadState(doc.modules[module.name]));
    this.ctx = this.contextFor();
  }

  get storedVersion(): number {
    return this.version;
  }

  get isDirty(): boolean {
    return this.dirty.size > 0;
  }

  /** Runs `task` after every earlier message; a throw rejects only this message. */
  run<T>(task: (ctx: PlayerContext) => Promise<T> | T): Promise<T> {
    return this.mailbox.run(() => task(this.ctx));
  }

  /** Runs one hook of every module that has it, inside the mailbox; a failing hook is logged and the others still run. */
  runHook(hook: keyof PlayerHooks): Promise<void> {
    return this.run((ctx) => {
      if (this.stopped) return;
      for (const module of this.deps.modules) {
        const fn = module.hooks?.[hook];
        if (!fn) continue;
        try {
          fn.call(module.hooks, ctx);
        } catch (error) {
          this.logger.error({ event: 'hook_failed', module: module.name, hook, err: error }, `${module.name}.${hook} failed: ${errorMessage(error)}`);
        }
      }
    });
  }

  /** Binds the session and starts the ticks (a second bind replaces the session). */
  bind(session: SessionInfo): void {
    this.session = session;
    if (this.timers.length > 0) return;
    const has = (hook: keyof PlayerHooks) => this.deps.modules.some((module) => module.hooks?.[hook]);
    // Ticks go through the mailbox like requests, so a hook never races a handler.
    if (has('onSecond')) this.timers.push(setInterval(() => void this.runHook('onSecond'), 1_000).unref());
    if (has('onMinute')) this.timers.push(setInterval(() => void this.runHook('onMinute'), 60_000).unref());
  }

  unbind(): void {
    this.session = null;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  markAllDirty(): void {
    for (const module of this.deps.modules) this.dirty.add(module.name);
  }

  /**
   * Saves if anything is dirty, retrying a failed store call with backoff
   * until it succeeds or the version no longer matches. Saves of one actor
   * never overlap; the dirty state stays until a save succeeded.
   */
  save(): Promise<SaveOutcome> {
    this.saveChain = this.saveChain.then(() => this.saveUntilDone());
    return this.saveChain;
  }

  /** A periodic save: skipped while one is running (it picks up later changes itself). */
  saveIfIdle(): void {
    if (this.saving || this.dirty.size === 0 || this.stopped) return;
    void this.save();
  }

  /** The document as it would be saved now, for the offline cache. */
  snapshot(): PlayerDoc {
    return { playerId: this.playerId, accountId: this.accountId, zone: this.zone, version: this.version, modules: this.encodeModules(), updatedAtMs: this.deps.now() };
  }

  private async saveUntilDone(): Promise<SaveOutcome> {
    if (this.dirty.size === 0 || this.stopped) return 'clean';
    this.saving = true;
    let delay = this.deps.retryBaseMs;
    try {
      for (;;) {
        const saving = [...this.dirty];
        this.dirty.clear();
        const modules = this.encodeModules();
        try {
          const result = await this.deps.store.save(this.playerId, this.version, modules, this.deps.now());
          if (result.ok) {
            this.version = result.version;
            return 'saved';
          }
          this.logger.warn({ event: 'player_save_conflict', reason: result.reason, version: this.version }, `player ${this.playerId} was saved elsewhere (${result.reason}); stopping this copy`);
          for (const name of saving) this.dirty.add(name);
          this.deps.onConflict(this);
          return 'conflict';
        } catch (error) {
          // Never dropped: the modules go back to dirty and the save is tried again.
          for (const name of saving) this.dirty.add(name);
          this.logger.error({ event: 'player_save_failed', retry_in_ms: delay, err: error }, `saving player ${this.playerId} failed, retrying in ${delay} ms: ${errorMessage(error)}`);
          await new Promise((resolve) => setTimeout(resolve, delay));
          delay = Math.min(this.deps.maxRetryMs, delay * 2);
          if (this.stopped) return 'clean';
        }
      }
    } finally {
      this.saving = false;
      if (this.saveRequested) {
        this.saveRequested = false;
        void this.save();
      }
    }
  }

  /** A deep copy: the store may serialise later, and handlers keep mutating the live states. */
  private encodeModules(): PlayerModules {
    const modules: PlayerModules = { ...this.foreign };
    for (const [name, state] of this.states) modules[name] = state;
    return JSON.parse(JSON.stringify(modules)) as PlayerModules;
  }

  private contextFor(): PlayerContext {
    const actor = this;
    let logger: Logger | undefined;
    return {
      playerId: this.playerId,
      accountId: this.accountId,
      zone: this.zone,
      get gameData() {
        // Read per access: a reload swaps the snapshot, and the next message sees the new one.
        return actor.deps.gameData.current;
      },
      store: this.deps.store,
      get logger() {
        logger ??= actor.logger;
        return logger;
      },
      now: () => this.deps.now(),
      state: <S>(module: PlayerModule<S>): S => {
        if (!this.states.has(module.name)) throw new Error(`module "${module.name}" is not registered with the player runtime; add it to the runtime's module list`);
        return this.states.get(module.name) as S;
      },
      changed: (module) => {
        this.dirty.add(module.name);
      },
      saveSoon: () => {
        if (this.saving) this.saveRequested = true;
        // After the current message, so the save sees everything it changed.
        else queueMicrotask(() => void this.save());
      },
      save: async () => {
        this.markAllDirty();
        return (await this.save()) !== 'conflict';
      },
      push: (mod, seq, data) => {
        if (this.session) this.deps.push(this.session, mod, seq, data);
      },
    };
  }
}
