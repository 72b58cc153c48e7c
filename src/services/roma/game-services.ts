// Wires the player runtime for a Roma process: opens the player store, builds
// the runtime over the player modules, and returns the Roma modules that
// serve them (Character, one adapter per player module with handlers, Chat).
import type { PantheonConfig } from '../../common/config/index.js';
import type { Logger } from '../../common/logger.js';
import type { RomaGameAdminServer } from '../../gen/pantheon/roma/v1/admin.js';
import { openStores } from '../../store/index.js';
import { resolveAdminToken } from './admin/admin-auth.js';
import { romaGameAdminService } from './admin/game-admin-service.js';
import { startGatePush, type GatePush } from './admin/gate-push.js';
import { openChatHistory } from './chat/chat-history.js';
import { chatModule } from './chat/chat-module.js';
import type { GameDataStore } from './gamedata/index.js';
import type { RomaModule } from './module-api.js';
import { characterModule } from './modules/character.js';
import { playerModules } from './modules/index.js';
import { romaModuleFor } from './runtime/player-module-adapter.js';
import { PlayerRuntime } from './runtime/player-runtime.js';
import type { SessionDirectory } from './session-directory.js';

export interface GameServices {
  readonly runtime: PlayerRuntime;
  readonly modules: readonly RomaModule[];
  /** The RomaGameAdmin gRPC implementation (operators' API over this runtime). */
  readonly admin: RomaGameAdminServer;
  /** Pushes and broadcasts to the players' gates. */
  readonly push: GatePush;
  /** Saves every player, then closes the store. */
  stop(): Promise<void>;
}

export async function startGameServices(config: PantheonConfig, logger: Logger, gameData: GameDataStore, directory: SessionDirectory): Promise<GameServices> {
  // Checked before the store opens: a missing credential outside dev stops Roma with ADMIN_TOKEN_MISSING.
  const token = resolveAdminToken(config);
  const stores = openStores(config, logger);
  const store = await stores.players();
  const runtime = new PlayerRuntime({
    store,
    gameData,
    modules: playerModules,
    directory,
    logger: logger.child({ component: 'players' }),
    saveIntervalMs: config.roma.save_interval_ms,
    offlineCacheSize: config.roma.offline_cache_size,
  });
  const character = characterModule(runtime, {
    zone: config.zone,
    maxCharacters: config.roma.max_characters_per_account,
    deleteGraceMs: config.roma.character_delete_grace_ms,
  });
  const adapted = playerModules.filter((module) => Object.keys(module.handlers).length > 0).map((module) => romaModuleFor(module, runtime));
  const push = await startGatePush(config, logger);
  // Chat keeps nothing in the player document, so it is served through the runtime but is not one of its document modules.
  const history = openChatHistory(config, logger);
  const chat = romaModuleFor(chatModule({ runtime, push, history }), runtime);
  const admin = romaGameAdminService({ token, runtime, directory, gameData, push, zone: config.zone, logger: logger.child({ component: 'admin' }) });
  return {
    runtime,
    modules: [character, ...adapted, chat],
    admin,
    push,
    async stop() {
      await runtime.shutdown();
      await push.close();
      await history.close();
      await stores.close();
    },
  };
}
