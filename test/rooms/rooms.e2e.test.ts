// Rooms end to end: SDK -> gate -> a player-role Roma (Character: enter game
// binds the session) and a room-role Roma (Room module, routed there by
// gate.module_services), all real processes. Proves the gate carries the
// bound player to the room service and members hear each other via pushes.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GameResult } from '../../src/gen/pantheon/game/v1/common.js';
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
  RelayedMessage,
  RelayRequest,
  RelayResponse,
  RoomEvent,
  RoomEventKind,
  RoomModule,
  RoomResult,
  RoomSeq,
  RoomState,
  SetReadyRequest,
  SetReadyResponse,
  StartRoomRequest,
  StartRoomResponse,
} from '../../src/gen/pantheon/game/v1/room.js';
import type { PantheonClient } from '../../src/sdk/node.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { addRoomRoma } from '../harness/extra-processes.js';
import { newPlayer } from '../harness/player.js';
import { game, type GameClient } from '../roma-game/game-client.js';

const R = RoomModule.ROOM_MODULE_ID;
let cluster: TestCluster;
const clients: PantheonClient[] = [];

function rooms(g: GameClient) {
  const call = async <T>(seq: RoomSeq, data: Uint8Array, type: { decode(d: Uint8Array): T }, obj = 0n) => type.decode((await g.client.request(R, seq, data, { obj })).data);
  return {
    playerId: 0n,
    g,
    create: (mode: string, capacity: number, password = '') => call(RoomSeq.ROOM_SEQ_CREATE, CreateRoomRequest.encode({ mode, capacity, password }).finish(), CreateRoomResponse),
    list: (request: Partial<ListRoomsRequest> = {}) => call(RoomSeq.ROOM_SEQ_LIST, ListRoomsRequest.encode(ListRoomsRequest.fromPartial(request)).finish(), ListRoomsResponse),
    join: (roomId: bigint, password = '', obj = 0n) => call(RoomSeq.ROOM_SEQ_JOIN, JoinRoomRequest.encode({ roomId, password }).finish(), JoinRoomResponse, obj),
    leave: () => call(RoomSeq.ROOM_SEQ_LEAVE, LeaveRoomRequest.encode({}).finish(), LeaveRoomResponse),
    kick: (playerId: bigint) => call(RoomSeq.ROOM_SEQ_KICK, KickMemberRequest.encode({ playerId }).finish(), KickMemberResponse),
    ready: (ready: boolean) => call(RoomSeq.ROOM_SEQ_READY, SetReadyRequest.encode({ ready }).finish(), SetReadyResponse),
    start: () => call(RoomSeq.ROOM_SEQ_START, StartRoomRequest.encode({}).finish(), StartRoomResponse),
    relay: (data: Uint8Array, includeSender: boolean) => call(RoomSeq.ROOM_SEQ_RELAY, RelayRequest.encode({ data, includeSender }).finish(), RelayResponse),
    /** Waits for the next RoomEvent of `kind` (earlier events of other kinds are dropped). */
    async event(kind: RoomEventKind): Promise<RoomEvent> {
      for (;;) {
        const event = RoomEvent.decode((await g.nextPush(R, RoomSeq.ROOM_SEQ_EVENT)).data);
        if (event.kind === kind) return event;
      }
    },
    async relayed(): Promise<RelayedMessage> {
      return RelayedMessage.decode((await g.nextPush(R, RoomSeq.ROOM_SEQ_RELAYED)).data);
    },
    relayedCount: () => g.pushes.filter((p) => p.mod === R && p.seq === RoomSeq.ROOM_SEQ_RELAYED).length,
  };
}

type RoomClient = ReturnType<typeof rooms>;

/** A new account, connected, with a character; in the game unless `enter` is false. */
async function member(enter = true): Promise<RoomClient> {
  const player = await newPlayer(cluster);
  const client = await player.connect('ws');
  clients.push(client);
  const g = game(client);
  const created = await g.create(`r${randomBytes(5).toString('hex')}`);
  expect(created.result).toBe(GameResult.GAME_RESULT_OK);
  const r = rooms(g);
  r.playerId = created.character!.playerId;
  if (enter) expect((await g.enter(r.playerId)).result).toBe(GameResult.GAME_RESULT_OK);
  return r;
}

beforeAll(async () => {
  cluster = await createTestCluster({ services: ['roma', 'lares'] });
  const room = await addRoomRoma(cluster, 'room-1');
  cluster.writeConfig();
  await room.start();
  await cluster.start('gate');
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.close();
  await cluster?.stop();
});

describe('rooms through the gate', () => {
  it('answers NOT_IN_GAME before enter game, whatever obj the client sends', async () => {
    const outsider = await member(false);
    expect((await outsider.create('free_for_all', 4)).result).toBe(RoomResult.ROOM_RESULT_NOT_IN_GAME);
    expect((await outsider.join((1n << 40n) | 1n, '', outsider.playerId)).result).toBe(RoomResult.ROOM_RESULT_NOT_IN_GAME);
    expect((await outsider.g.enter(outsider.playerId)).result).toBe(GameResult.GAME_RESULT_OK);
    expect((await outsider.create('free_for_all', 4)).result).toBe(RoomResult.ROOM_RESULT_OK);
    expect((await outsider.leave()).result).toBe(RoomResult.ROOM_RESULT_OK);
  }, 30_000);

  it('runs a room of 8 bound players: join, relay, kick, owner hand-over, ready, start', async () => {
    const players = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(() => member()));
    const [owner, ...others] = players;
    const created = await owner.create('free_for_all', 8);
    expect(created.result).toBe(RoomResult.ROOM_RESULT_OK);
    // The room's owner is the player the gate bound, not anything the client said.
    expect(created.room!.ownerId).toBe(owner.playerId);
    const roomId = created.room!.roomId;
    expect((await others[0].list({ hasSpace: true })).rooms.map((r) => r.roomId)).toContain(roomId);

    for (const joiner of others) {
      const joined = await joiner.join(roomId);
      expect(joined.result).toBe(RoomResult.ROOM_RESULT_OK);
      expect(joined.room!.members.at(-1)!.playerId).toBe(joiner.playerId);
      expect((await owner.event(RoomEventKind.ROOM_EVENT_KIND_JOINED)).playerId).toBe(joiner.playerId);
    }
    const extra = await member();
    expect((await extra.join(roomId)).result).toBe(RoomResult.ROOM_RESULT_ROOM_FULL);

    expect((await others[0].relay(new Uint8Array([1, 2, 3]), false)).result).toBe(RoomResult.ROOM_RESULT_OK);
    for (const p of [owner, ...others.slice(1)]) {
      const relayed = await p.relayed();
      expect(relayed.fromPlayerId).toBe(others[0].playerId);
      expect([...relayed.data]).toEqual([1, 2, 3]);
    }
    expect((await others[1].relay(new Uint8Array([9]), true)).result).toBe(RoomResult.ROOM_RESULT_OK);
    expect([...(await others[1].relayed()).data]).toEqual([9]);
    // Pushes to one session arrive in order: once the [9] from others[1] is here, its own earlier [1,2,3] would be too.
    expect([...(await others[0].relayed()).data]).toEqual([9]);
    expect(others[0].relayedCount()).toBe(0);

    expect((await others[2].kick(others[3].playerId)).result).toBe(RoomResult.ROOM_RESULT_NOT_OWNER);
    expect((await owner.kick(others[6].playerId)).result).toBe(RoomResult.ROOM_RESULT_OK);
    expect((await others[6].event(RoomEventKind.ROOM_EVENT_KIND_KICKED)).playerId).toBe(others[6].playerId);

    expect((await owner.leave()).result).toBe(RoomResult.ROOM_RESULT_OK);
    const handedOver = await others[5].event(RoomEventKind.ROOM_EVENT_KIND_OWNER_CHANGED);
    expect(handedOver.playerId).toBe(others[0].playerId); // the longest-present member

    const remaining = others.slice(0, 6);
    for (const p of remaining) expect((await p.ready(true)).result).toBe(RoomResult.ROOM_RESULT_OK);
    expect((await remaining[1].start()).result).toBe(RoomResult.ROOM_RESULT_NOT_OWNER);
    const started = await remaining[0].start();
    expect(started.result).toBe(RoomResult.ROOM_RESULT_OK);
    expect(started.room!.state).toBe(RoomState.ROOM_STATE_STARTED);
    for (const p of remaining) expect((await p.event(RoomEventKind.ROOM_EVENT_KIND_STARTED)).room!.roomId).toBe(roomId);
    expect((await extra.join(roomId)).result).toBe(RoomResult.ROOM_RESULT_ROOM_STARTED);
  }, 60_000);

  it('refuses bad input and closes a room when its last member disconnects', async () => {
    const [a, b] = await Promise.all([member(), member()]);
    expect((await a.create('no_such_mode', 2)).result).toBe(RoomResult.ROOM_RESULT_MODE_UNKNOWN);
    expect((await a.create('duel', 3)).result).toBe(RoomResult.ROOM_RESULT_CAPACITY_OUT_OF_RANGE);
    const secret = await a.create('duel', 2, 'sesame');
    expect(secret.result).toBe(RoomResult.ROOM_RESULT_OK);
    const roomId = secret.room!.roomId;
    expect((await b.join(roomId, 'nope')).result).toBe(RoomResult.ROOM_RESULT_WRONG_PASSWORD);
    expect((await b.join(roomId, 'sesame')).result).toBe(RoomResult.ROOM_RESULT_OK);
    expect((await a.start()).result).toBe(RoomResult.ROOM_RESULT_NOT_ALL_READY);
    // a's connection ends: b hears it left and now owns the room; then b leaves and the room is gone.
    a.g.client.close();
    expect((await b.event(RoomEventKind.ROOM_EVENT_KIND_OWNER_CHANGED)).playerId).toBe(b.playerId);
    expect((await b.leave()).result).toBe(RoomResult.ROOM_RESULT_OK);
    const c = await member();
    expect((await c.join(roomId, 'sesame')).result).toBe(RoomResult.ROOM_RESULT_ROOM_NOT_FOUND);
  }, 30_000);
});
