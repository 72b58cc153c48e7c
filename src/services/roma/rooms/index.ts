// Wires the Room service for a room-role Roma process (roma.role: room):
// the RoomService over the live game data, pushing through the session
// directory, and the Room module that serves it.
import type { PantheonConfig } from '../../../common/config/index.js';
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

export function startRoomServices(config: PantheonConfig, logger: Logger, gameData: GameDataStore, directory: SessionDirectory): RoomServices {
  const rooms = new RoomService({
    instanceId: config.roma.id,
    // Read per operation, so a game-data reload applies to rooms created after it.
    gameData: () => gameData.current,
    push: (sessionId, seq, data) => directory.push(sessionId, { mod: RoomModule.ROOM_MODULE_ID, seq, data }),
    logger: logger.child({ component: 'rooms' }),
  });
  return { rooms, modules: [roomModule(rooms)] };
}
