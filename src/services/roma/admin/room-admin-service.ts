// RoomAdmin over gRPC on a room-role Roma: operators inspect, list and close
// the rooms this instance holds. Same credential check as RomaGameAdmin; the
// work goes through the RoomService (closing runs in the room's mailbox) and
// never touches a room's state directly. A room's password never leaves here.
import { status, type UntypedHandleCall } from '@grpc/grpc-js';
import type { Logger } from '../../../common/logger.js';
import { RoomState } from '../../../gen/pantheon/game/v1/room.js';
import type { RoomAdminServer, RoomDetail } from '../../../gen/pantheon/roma/v1/admin.js';
import type { Room } from '../rooms/room.js';
import type { RoomService } from '../rooms/room-service.js';
import { AdminError, adminUnary, type AdminCaller } from './admin-call.js';

export interface RoomAdminDeps {
  token: string;
  rooms: RoomService;
  logger: Logger;
}

const MAX_REASON = 200;
const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

/** The operators' view of a room; built from its public fields only, so the password cannot leak. */
function roomDetail(room: Room): RoomDetail {
  return {
    roomId: room.id,
    mode: room.mode.id,
    capacity: room.capacity,
    private: room.isPrivate,
    ownerId: room.ownerId,
    started: room.state === RoomState.ROOM_STATE_STARTED,
    createdAtMs: BigInt(room.createdAtMs),
    members: room.members.map((member) => ({ playerId: member.playerId, ready: member.ready, joinedAtMs: BigInt(member.joinedAtMs) })),
  };
}

function requireRoomId(roomId: bigint): void {
  if (roomId <= 0n) throw new AdminError(status.INVALID_ARGUMENT, `room_id must be a positive room id, got ${roomId}`);
}

const notFound = (roomId: bigint) => new AdminError(status.NOT_FOUND, `room ${roomId} does not exist on this instance (closed, never created, or held by another room instance)`);

export function roomAdminService(deps: RoomAdminDeps): RoomAdminServer {
  const { rooms, logger } = deps;
  const unary = <Req, Res>(name: string, work: (request: Req, caller: AdminCaller) => Promise<Res>): UntypedHandleCall =>
    adminUnary<Req, Res>({ service: 'RoomAdmin', token: deps.token, logger }, name, work);

  return {
    inspectRoom: unary('InspectRoom', async ({ roomId }: { roomId: bigint }, { peer }) => {
      requireRoomId(roomId);
      const room = await rooms.inspect(roomId, roomDetail);
      logger.info({ event: 'admin_room_inspected', room: String(roomId), found: room !== undefined, peer }, `RoomAdmin.InspectRoom ${roomId} by ${peer}`);
      if (!room) throw notFound(roomId);
      return { room };
    }),
    closeRoom: unary('CloseRoom', async ({ roomId, reason }: { roomId: bigint; reason: string }, { peer }) => {
      requireRoomId(roomId);
      if (reason.trim().length === 0 || reason.length > MAX_REASON) throw new AdminError(status.INVALID_ARGUMENT, `reason is required and at most ${MAX_REASON} characters (got ${reason.length})`);
      const removed = await rooms.closeByOperator(roomId, reason);
      if (removed === undefined) throw notFound(roomId);
      logger.info({ event: 'admin_room_closed', room: String(roomId), members: removed, peer }, `room ${roomId} closed by an operator (${peer}): ${reason}`);
      return { membersRemoved: removed };
    }),
    listRooms: unary('ListRooms', async ({ offset, limit }: { offset: number; limit: number }, { peer }) => {
      if (offset < 0) throw new AdminError(status.INVALID_ARGUMENT, `offset must be 0 or more, got ${offset}`);
      if (limit < 0 || limit > MAX_PAGE) throw new AdminError(status.INVALID_ARGUMENT, `limit must be 0 (= ${DEFAULT_PAGE}) .. ${MAX_PAGE}, got ${limit}`);
      const all = rooms.allRooms();
      const page = all.slice(offset, offset + (limit || DEFAULT_PAGE));
      const end = offset + page.length;
      logger.info({ event: 'admin_rooms_listed', offset, count: page.length, peer }, `RoomAdmin.ListRooms by ${peer}`);
      return { rooms: page.map(roomDetail), total: all.length, nextOffset: end < all.length ? end : 0 };
    }),
  } as RoomAdminServer;
}
