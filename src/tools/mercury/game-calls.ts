// The game requests a simulated player sends, typed and checked: each call
// decodes the reply and throws ResultCodeError on a non-zero result, so the
// scenarios read as game actions and every refusal is counted.
import { CharacterSeq, CreateCharacterRequest, CreateCharacterResponse, EnterGameRequest, EnterGameResponse, ListCharactersRequest, ListCharactersResponse } from '../../gen/pantheon/game/v1/character.js';
import { ChatSeq, SendWorldRequest, SendWorldResponse } from '../../gen/pantheon/game/v1/chat.js';
import { GameModule } from '../../gen/pantheon/game/v1/common.js';
import { InventorySeq, ListItemsRequest, ListItemsResponse } from '../../gen/pantheon/game/v1/inventory.js';
import { GetProfileRequest, GetProfileResponse, ProfileSeq } from '../../gen/pantheon/game/v1/profile.js';
import { CreateRoomRequest, CreateRoomResponse, JoinRoomRequest, JoinRoomResponse, LeaveRoomRequest, LeaveRoomResponse, ListRoomsRequest, ListRoomsResponse, RelayRequest, RelayResponse, RoomModule, RoomSeq } from '../../gen/pantheon/game/v1/room.js';
import type { PantheonClient, RequestOptions } from '../../sdk/node.js';
import { gameResultError, roomResultError } from './stats.js';

interface Decoder<T> {
  decode(data: Uint8Array): T;
}

export function gameCalls(client: PantheonClient) {
  const call = async <T>(mod: number, seq: number, data: Uint8Array, type: Decoder<T>, options?: RequestOptions): Promise<T> => type.decode((await client.request(mod, seq, data, options)).data);
  const game = async <T extends { result: number }>(action: string, mod: number, seq: number, data: Uint8Array, type: Decoder<T>): Promise<T> => {
    const reply = await call(mod, seq, data, type);
    if (reply.result !== 0) throw gameResultError(action, reply.result);
    return reply;
  };
  /** Room replies come back unchecked: a lost join race (full, gone, started) is the caller's to judge. */
  const room = <T>(seq: RoomSeq, data: Uint8Array, type: Decoder<T>, obj = 0n): Promise<T> => call(RoomModule.ROOM_MODULE_ID, seq, data, type, { obj });
  const checked = <T extends { result: number }>(action: string, reply: T): T => {
    if (reply.result !== 0) throw roomResultError(action, reply.result);
    return reply;
  };
  const C = GameModule.GAME_MODULE_CHARACTER;
  return {
    heartbeat: () => client.heartbeat(),
    characters: () => call(C, CharacterSeq.CHARACTER_SEQ_LIST, ListCharactersRequest.encode({}).finish(), ListCharactersResponse),
    createCharacter: (name: string) => game('character.create', C, CharacterSeq.CHARACTER_SEQ_CREATE, CreateCharacterRequest.encode({ name }).finish(), CreateCharacterResponse),
    enterGame: (playerId: bigint) => game('character.enter', C, CharacterSeq.CHARACTER_SEQ_ENTER, EnterGameRequest.encode({ playerId }).finish(), EnterGameResponse),
    profile: () => game('profile.get', GameModule.GAME_MODULE_PROFILE, ProfileSeq.PROFILE_SEQ_GET, GetProfileRequest.encode({}).finish(), GetProfileResponse),
    inventory: () => game('inventory.list', GameModule.GAME_MODULE_INVENTORY, InventorySeq.INVENTORY_SEQ_LIST, ListItemsRequest.encode({}).finish(), ListItemsResponse),
    worldChat: (text: string) => game('chat.world', GameModule.GAME_MODULE_CHAT, ChatSeq.CHAT_SEQ_SEND_WORLD, SendWorldRequest.encode({ text }).finish(), SendWorldResponse),
    openRooms: async (mode: string) => checked('room.list', await room(RoomSeq.ROOM_SEQ_LIST, ListRoomsRequest.encode(ListRoomsRequest.fromPartial({ mode, hasSpace: true })).finish(), ListRoomsResponse)),
    createRoom: async (mode: string, capacity: number) => checked('room.create', await room(RoomSeq.ROOM_SEQ_CREATE, CreateRoomRequest.encode({ mode, capacity, password: '' }).finish(), CreateRoomResponse)),
    /** The room id goes in Packet.obj too, so the gate routes the join to the instance holding the room. */
    joinRoom: (roomId: bigint) => room(RoomSeq.ROOM_SEQ_JOIN, JoinRoomRequest.encode({ roomId, password: '' }).finish(), JoinRoomResponse, roomId),
    leaveRoom: async () => checked('room.leave', await room(RoomSeq.ROOM_SEQ_LEAVE, LeaveRoomRequest.encode({}).finish(), LeaveRoomResponse)),
    relay: async (data: Uint8Array) => checked('room.relay', await room(RoomSeq.ROOM_SEQ_RELAY, RelayRequest.encode({ data, includeSender: false }).finish(), RelayResponse)),
  };
}

export type GameCalls = ReturnType<typeof gameCalls>;
