// Module 110, Room, as clients call it: decodes requests, refuses sessions
// that have not entered the game (NOT_IN_GAME: the member is the player the
// gate bound, never an id from the client), and hands the rest to the
// RoomService. Served by room-role Roma instances only.
import { PacketCode } from '../../../gen/pantheon/client/v1/packet.js';
import {
  CreateRoomRequest,
  CreateRoomResponse,
  JoinRoomRequest,
  JoinRoomResponse,
  KickMemberRequest,
  KickMemberResponse,
  LeaveRoomRequest,
  LeaveRoomResponse,
  ListRoomsRequest,
  ListRoomsResponse,
  RelayRequest,
  RelayResponse,
  RoomModule,
  RoomResult,
  RoomSeq,
  SetReadyRequest,
  SetReadyResponse,
  StartRoomRequest,
  StartRoomResponse,
} from '../../../gen/pantheon/game/v1/room.js';
import { defineModule, RequestRejected, type ModuleRequest, type ObjResponse, type RomaModule } from '../module-api.js';
import type { MemberSession } from './room.js';
import type { RoomAnswer, RoomService } from './room-service.js';

interface Codec<T> {
  decode(data: Uint8Array): T;
}

interface Encoder<T> {
  encode(message: T): { finish(): Uint8Array };
}

/** The bound player behind the request, or null when the session has not entered the game. */
function memberOf(request: ModuleRequest): MemberSession | null {
  const { session } = request;
  if (session.playerId <= 0n) return null;
  return { playerId: session.playerId, sessionId: session.id, sessionHex: session.idHex };
}

function decode<T>(codec: Codec<T>, data: Uint8Array): T {
  try {
    return codec.decode(data);
  } catch (error) {
    throw new RequestRejected(PacketCode.PACKET_CODE_BAD_REQUEST, `room: request data is not a valid message: ${String(error)}`);
  }
}

/**
 * One handler: decode, require a bound player, run, encode; `notInGame` is
 * the response for an unbound session. The response's obj is the room id
 * only when `entered` names the room the player just created or joined (the
 * gate then records which instance holds it); otherwise 0, so a request
 * answered by an instance that does not hold the room never teaches a gate
 * a wrong route.
 */
function handler<Req, Res>(
  requestCodec: Codec<Req>,
  responseCodec: Encoder<Res>,
  notInGame: Res,
  run: (member: MemberSession, request: Req) => Promise<Res> | Res,
  entered: (response: Res) => bigint = () => 0n,
) {
  return async (request: ModuleRequest): Promise<ObjResponse> => {
    const decoded = decode(requestCodec, request.data);
    const member = memberOf(request);
    const response = member ? await run(member, decoded) : notInGame;
    return { data: responseCodec.encode(response).finish(), obj: member ? entered(response) : 0n };
  };
}

/** The room id of a successful create or join, else 0. */
const enteredRoom = (response: { result: number; room?: { roomId: bigint } }): bigint => (response.result === RoomResult.ROOM_RESULT_OK && response.room ? response.room.roomId : 0n);

const NOT_IN_GAME = RoomResult.ROOM_RESULT_NOT_IN_GAME;

/** Answers that carry a room: the response message has the same shape. */
const withRoom = (answer: RoomAnswer) => ({ result: answer.result, room: answer.room });
const resultOnly = (answer: RoomAnswer) => ({ result: answer.result });

export function roomModule(rooms: RoomService): RomaModule {
  return defineModule({
    id: RoomModule.ROOM_MODULE_ID,
    name: 'room',
    handlers: {
      [RoomSeq.ROOM_SEQ_CREATE]: handler(CreateRoomRequest, CreateRoomResponse, { result: NOT_IN_GAME, room: undefined }, (member, request) => withRoom(rooms.create(member, request)), enteredRoom),
      [RoomSeq.ROOM_SEQ_LIST]: handler(ListRoomsRequest, ListRoomsResponse, { result: NOT_IN_GAME, rooms: [], total: 0, nextOffset: 0 }, (_member, request) => rooms.list(request)),
      [RoomSeq.ROOM_SEQ_JOIN]: handler(
        JoinRoomRequest,
        JoinRoomResponse,
        { result: NOT_IN_GAME, room: undefined },
        async (member, request) => withRoom(await rooms.join(member, request.roomId, request.password)),
        enteredRoom,
      ),
      [RoomSeq.ROOM_SEQ_LEAVE]: handler(LeaveRoomRequest, LeaveRoomResponse, { result: NOT_IN_GAME }, async (member) => resultOnly(await rooms.leave(member))),
      [RoomSeq.ROOM_SEQ_KICK]: handler(KickMemberRequest, KickMemberResponse, { result: NOT_IN_GAME }, async (member, request) => resultOnly(await rooms.kick(member, request.playerId))),
      [RoomSeq.ROOM_SEQ_READY]: handler(SetReadyRequest, SetReadyResponse, { result: NOT_IN_GAME, room: undefined }, async (member, request) => withRoom(await rooms.setReady(member, request.ready))),
      [RoomSeq.ROOM_SEQ_START]: handler(StartRoomRequest, StartRoomResponse, { result: NOT_IN_GAME, room: undefined }, async (member) => withRoom(await rooms.start(member))),
      [RoomSeq.ROOM_SEQ_RELAY]: handler(RelayRequest, RelayResponse, { result: NOT_IN_GAME }, async (member, request) => resultOnly(await rooms.relay(member, request.data, request.includeSender))),
    },
  });
}
