// Every module this Roma build serves. Adding a game module is one file in
// this folder and one entry here; the runtime does not change.
import type { RomaModule } from '../module-api.js';
import { echoModule } from './echo.js';

export const romaModules: readonly RomaModule[] = [echoModule];
