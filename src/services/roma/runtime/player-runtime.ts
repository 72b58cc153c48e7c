// Owns every player actor of this Roma instance: binds sessions to players at
// enter game (the only way a request reaches a player), loads and fences
// documents, kicks duplicate logins, saves dirty players on a cadence, keeps
// recently offline players cached, and flushes everything on shutdown. It
// never trusts a client-supplied id: routing goes through the session binding.
import { errorMessage } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import type { PlayerDoc, PlayerStore } from '../../../store/index.js';
import type { GameDataStore } from '../gamedata/index.js';
import type { SessionInfo } from '../module-api.js';
import type { SessionDirectory } from '../session-directory.js';
import { LogoutCode, logoutEnvelopes } from './logout.js';
import { OfflineCache } from './offline-cache.js';
import { PlayerActor } from './player-actor.js';
import type { PlayerContext, PlayerModule } from './player-module.js';

export interface PlayerRuntimeOptions {
  store: PlayerStore;
  gameData: GameDataStore;
  modules: readonly PlayerModule[];
  directory: SessionDirectory;
  logger: Logger;
  saveIntervalMs: number;
  offlineCacheSize: number;
  retryBaseMs?: number;
  maxRetryMs?: number;
  now?: () => number;
}

/** How long shutdown waits for saves before it reports the players it could not save. */
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 20_000;

export class PlayerRuntime {
  private readonly actors = new Map<bigint, PlayerActor>();
  private readonly loading = new Map<bigint, Promise<PlayerActor>>();
  /** session id hex -> the actor it entered the game with. */
  private readonly bindings = new Map<string, PlayerActor>();
  private readonly cache: OfflineCache;
  private readonly saver: NodeJS.Timeout;
  readonly now: () => number;

  constructor(private readonly options: PlayerRuntimeOptions) {
    this.now = options.now ?? Date.now;
    this.cache = new OfflineCache(options.offlineCacheSize);
    this.saver = setInterval(() => {
      for (const actor of this.actors.values()) {
        actor.saveIfIdle();
        // An offline actor whose earlier save failed stays here until a retry succeeded; then it can go.
        this.releaseIfIdle(actor);
      }
    }, options.saveIntervalMs).unref();
  }

  get store(): PlayerStore {
    return this.options.store;
  }

  get gameData(): GameDataStore {
    return this.options.gameData;
  }

  get onlineCount(): number {
    return this.bindings.size;
  }

  get modules(): readonly PlayerModule[] {
    return this.options.modules;
  }

  /** The actor this session entered the game with; undefined before enter game. */
  actorOf(session: SessionInfo): PlayerActor | undefined {
    return this.bindings.get(session.idHex);
  }

  /** The loaded actor of a player, online or not (for live views such as the character list). */
  loadedActor(playerId: bigint): PlayerActor | undefined {
    return this.actors.get(playerId);
  }

  /** Whether any session of this instance is in the game with the player. */
  isOnline(playerId: bigint): boolean {
    return this.actors.get(playerId)?.session != null;
  }

  /** The initial module states of a new character: onCreate of every module, then `init` (e.g. the chosen name). */
  newDocument(playerId: bigint, accountId: bigint, zone: number, init?: (ctx: PlayerContext) => void): PlayerDoc {
    const modules: Record<string, unknown> = {};
    for (const module of this.options.modules) modules[module.name] = module.initialState();
    const doc: PlayerDoc = { playerId, accountId, zone, version: 0, modules, updatedAtMs: this.now() };
    const actor = this.newActor(doc);
    for (const module of this.options.modules) module.hooks?.onCreate?.(actor.ctx);
    init?.(actor.ctx);
    return { ...doc, modules: actor.snapshot().modules };
  }

  /**
   * Binds `session` to the player and loads its actor. A session already in
   * the game with another character leaves it first; another session in the
   * game with this player is kicked (LOGGED_IN_ELSEWHERE) after its state is saved.
   */
  async enter(session: SessionInfo, playerId: bigint): Promise<PlayerActor> {
    const previous = this.bindings.get(session.idHex);
    if (previous && previous.playerId !== playerId) await this.leave(session);
    const actor = await this.acquire(playerId);
    const holder = actor.session;
    if (holder && holder.idHex !== session.idHex) {
      this.bindings.delete(holder.idHex);
      await actor.runHook('onLogout');
      actor.unbind();
      await actor.save();
      this.kick(holder, LogoutCode.LOGOUT_CODE_LOGGED_IN_ELSEWHERE, 'the character entered the game from another session');
    }
    if (actor.stopped) throw new Error(`player ${playerId} was taken over by another instance while entering the game`);
    if (actor.session?.idHex !== session.idHex) {
      actor.bind(session);
      this.bindings.set(session.idHex, actor);
      await actor.runHook('onLogin');
      actor.ctx.saveSoon();
    }
    return actor;
  }

  /** The session closed or left the game: logout hooks, final save, then the offline cache. */
  async leave(session: SessionInfo): Promise<void> {
    const actor = this.bindings.get(session.idHex);
    if (!actor) return;
    this.bindings.delete(session.idHex);
    if (actor.session?.idHex !== session.idHex) return;
    await actor.runHook('onLogout');
    actor.unbind();
    await actor.save();
    this.releaseIfIdle(actor);
  }

  /**
   * Runs `task` inside the player's actor whether or not the player is online
   * (admin grants, character delete/restore), saves at once, and puts an
   * offline player back into the cache.
   */
  async withPlayer<T>(playerId: bigint, task: (ctx: PlayerContext, actor: PlayerActor) => Promise<T> | T): Promise<T> {
    const actor = await this.acquire(playerId);
    try {
      const result = await actor.run((ctx) => {
        if (actor.stopped) throw new Error(`player ${playerId} was taken over by another instance`);
        return task(ctx, actor);
      });
      await actor.save();
      return result;
    } finally {
      this.releaseIfIdle(actor);
    }
  }

  /**
   * Ends the game session of a player online on this instance (operators):
   * logout hooks and a save first, then ServerLogout(`code`). False when no
   * session here is in the game with the player.
   */
  async kickPlayer(playerId: bigint, code: LogoutCode, reason: string): Promise<boolean> {
    const session = this.actors.get(playerId)?.session;
    if (!session) return false;
    await this.leave(session);
    this.kick(session, code, reason);
    return true;
  }

  /** Saves every player and stops; players still unsaved after `timeoutMs` are reported by id. */
  async shutdown(timeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS): Promise<void> {
    clearInterval(this.saver);
    const actors = [...this.actors.values()];
    for (const actor of actors) {
      if (actor.session) this.bindings.delete(actor.session.idHex);
      if (actor.session) void actor.runHook('onLogout');
      actor.unbind();
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    // Each save waits behind the actor's mailbox (so the logout hooks above are included).
    const saves = actors.map((actor) => actor.run(() => undefined).then(() => actor.save()));
    const outcome = await Promise.race([Promise.allSettled(saves), timedOut]);
    clearTimeout(timer);
    const unsaved = actors.filter((actor) => actor.isDirty);
    for (const actor of actors) actor.stopped = true;
    if (outcome === 'timeout' || unsaved.length > 0) {
      this.options.logger.error(
        { event: 'players_unsaved_at_shutdown', players: unsaved.map((actor) => String(actor.playerId)) },
        `${unsaved.length} player(s) could not be saved before shutdown; their latest changes are lost unless the store recovers`,
      );
    } else {
      this.options.logger.info({ event: 'players_flushed', players: actors.length }, `saved ${actors.length} player(s) before shutdown`);
    }
  }

  /** One loaded actor per player, fenced: loading saves the document once, so an older copy elsewhere conflicts on its next save. */
  private acquire(playerId: bigint): Promise<PlayerActor> {
    const loaded = this.actors.get(playerId);
    if (loaded && !loaded.stopped) return Promise.resolve(loaded);
    let pending = this.loading.get(playerId);
    if (!pending) {
      pending = this.load(playerId).finally(() => this.loading.delete(playerId));
      this.loading.set(playerId, pending);
    }
    return pending;
  }

  private async load(playerId: bigint): Promise<PlayerActor> {
    const cached = this.cache.take(playerId);
    if (cached) {
      const actor = await this.fence(cached);
      if (actor) return actor;
      // The cached copy was stale (another instance saved since): read the store.
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const doc = await this.options.store.load(playerId);
      if (!doc) throw new Error(`player ${playerId} does not exist in the store`);
      const actor = await this.fence(doc);
      if (actor) return actor;
    }
    throw new Error(`player ${playerId} is being saved by another instance; try again later`);
  }

  private async fence(doc: PlayerDoc): Promise<PlayerActor | undefined> {
    const actor = this.newActor(doc);
    this.actors.set(doc.playerId, actor);
    actor.markAllDirty();
    const outcome = await actor.save();
    return outcome === 'conflict' ? undefined : actor;
  }

  private newActor(doc: PlayerDoc): PlayerActor {
    const { store, gameData, modules, logger, directory } = this.options;
    return new PlayerActor(doc, {
      store,
      gameData,
      modules,
      logger,
      now: this.now,
      retryBaseMs: this.options.retryBaseMs ?? 200,
      maxRetryMs: this.options.maxRetryMs ?? 30_000,
      push: (session, mod, seq, data) => void directory.push(session.id, { mod, seq, data }),
      onConflict: (actor) => this.onConflict(actor),
    });
  }

  /** Another instance saved the player: this copy is stale, so it stops without caching and its client is told. */
  private onConflict(actor: PlayerActor): void {
    actor.stopped = true;
    if (this.actors.get(actor.playerId) === actor) this.actors.delete(actor.playerId);
    const session = actor.session;
    actor.unbind();
    if (!session) return;
    this.bindings.delete(session.idHex);
    this.kick(session, LogoutCode.LOGOUT_CODE_CONFLICTING_LOGIN, 'the character is in the game on another server');
  }

  /** An actor nobody is in the game with goes to the offline cache once it has nothing unsaved. */
  private releaseIfIdle(actor: PlayerActor): void {
    if (actor.session || actor.stopped || actor.isDirty) return;
    if (this.actors.get(actor.playerId) !== actor) return;
    this.actors.delete(actor.playerId);
    this.cache.put(actor.snapshot());
  }

  private kick(session: SessionInfo, code: LogoutCode, reason: string): void {
    const held = this.options.directory.find(session.idHex);
    if (!held) return;
    try {
      for (const envelope of logoutEnvelopes(session.id, code, reason)) held.owner.send(envelope);
    } catch (error) {
      this.options.logger.error({ event: 'kick_failed', session: session.idHex, err: error }, `cannot send ServerLogout: ${errorMessage(error)}`);
    }
    this.options.logger.info({ event: 'player_kicked', session: session.idHex, code }, `session kicked: ${reason}`);
  }
}
