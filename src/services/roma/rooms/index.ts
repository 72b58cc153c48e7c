// Wires the Room service for a room-role Roma process (roma.role: room):
// the RoomService over the live game data, pushing through the session
// directory, and the Room module that serves it.
import type { PantheonConfig } from '../../../common/config/index.js';
import { PantheonError } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import { RoomModule } from '../../../gen/pantheon/game/v1/room.js';
import type { GameDataStore } from '../gamedata/index.js';
import type { RomaModule } from '../module-api.js';
import type { SessionDirectory } from '../session-directory.js';
import { roomModule } from './room-module.js';
import { RoomService } from './room-service.js';

export { RoomService } from './room-service.js';

export interface RoomServices {
  readonly rooms: RoomService;
  readonly modules: readonly RomaModule[];
}

/** roma.room_ordinal, else this instance's 1-based position in registry.room. */
function roomOrdinal(config: PantheonConfig): number {
  if (config.roma.room_ordinal > 0) return config.roma.room_ordinal;
  const position = config.registry.room.findIndex((instance) => instance.id === config.roma.id);
  if (position < 0) {
    throw new PantheonError('CONFIG_INVALID', `roma.room_ordinal is 0 and "${config.roma.id}" is not in registry.room; set roma.room_ordinal to a number unique among room instances (1..8388607)`);
  }
  return position + 1;
}

export function startRoomServices(config: PantheonConfig, logger: Logger, gameData: GameDataStore, directory: SessionDirectory): RoomServices {
  const rooms = new RoomService({
    ordinal: roomOrdinal(config),
    // Read per operation, so a game-data reload applies to rooms created after it.
    gameData: () => gameData.current,
    push: (sessionId, seq, data) => directory.push(sessionId, { mod: RoomModule.ROOM_MODULE_ID, seq, data }),
    logger: logger.child({ component: 'rooms' }),
  });
  return { rooms, modules: [roomModule(rooms)] };
}
