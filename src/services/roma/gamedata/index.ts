// Game data for Roma's modules: typed tables loaded from gamedata/ (or from
// generated in-memory tables), validated as a whole, swapped atomically on reload.
export { GameData, type GameDataSummary } from './game-data.js';
export { GameDataStore, type ReloadResult } from './game-data-store.js';
export { describeSource, GameDataError, loadGameData, type GameDataFiles, type GameDataSource } from './load-game-data.js';
export { TABLES, type ChatChannel, type Item, type ItemGrant, type ItemUse, type LevelRow, type RoomMode, type TableName } from './tables.js';
