// Every module this Roma build serves. Adding a game module is one file in
// this folder and one entry here; the runtime does not change.
import type { RomaModule } from '../module-api.js';
import type { PlayerModule } from '../runtime/player-module.js';
import { characterState } from './character.js';
import { echoModule } from './echo.js';
import { inventoryModule } from './inventory.js';
import { moderationModule } from './moderation.js';
import { profileModule } from './profile.js';

/** Session-scoped modules that need no player runtime. */
export const romaModules: readonly RomaModule[] = [echoModule];

/** Player-scoped modules: state in the player document, handlers run in the player's actor. */
export const playerModules: readonly PlayerModule[] = [characterState, profileModule, inventoryModule, moderationModule];
