// Wires the player runtime for a Roma process: opens the player store, builds
// the runtime over the player modules, and returns the Roma modules that
// serve them (Character plus one adapter per player module with handlers).
import type { PantheonConfig } from '../../common/config/index.js';
import type { Logger } from '../../common/logger.js';
import { openStores } from '../../store/index.js';
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
  /** Saves every player, then closes the store. */
  stop(): Promise<void>;
}

export async function startGameServices(config: PantheonConfig, logger: Logger, gameData: GameDataStore, directory: SessionDirectory): Promise<GameServices> {
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
  return {
    runtime,
    modules: [character, ...adapted],
    async stop() {
      await runtime.shutdown();
      await stores.close();
    },
  };
}
