// Two room-role Roma instances behind two gates sharing Redis, real
// processes: players whose accounts are routed (sticky, per account) to the
// other room instance still join a room by its id and relay to each other,
// because gates route Room requests with Packet.obj = room id to the instance
// that holds the room (gate.keyed_modules), learned from the create response.
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, createRedisClient, type Redis } from '../../src/common/redis.js';
import { GameResult } from '../../src/gen/pantheon/game/v1/common.js';
import {
  CreateRoomRequest,
  CreateRoomResponse,
  JoinRoomRequest,
  JoinRoomResponse,
  LeaveRoomRequest,
  LeaveRoomResponse,
  RelayedMessage,
  RelayRequest,
  RelayResponse,
  RoomModule,
  RoomResult,
  RoomSeq,
} from '../../src/gen/pantheon/game/v1/room.js';
import type { PantheonClient } from '../../src/sdk/node.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { addGate, addRoomRoma, type ExtraGate } from '../harness/extra-processes.js';
import { newPlayer } from '../harness/player.js';
import { startRedis, type TestRedis } from '../harness/redis.js';
import { connectTo } from '../routing/helpers.js';
import { game, type GameClient } from '../roma-game/game-client.js';

const PREFIX = 'rooms2';
const R = RoomModule.ROOM_MODULE_ID;

let redis: TestRedis;
let cluster: TestCluster;
let gateB: ExtraGate;
let raw: Redis;
const clients: PantheonClient[] = [];

interface Member {
  g: GameClient;
  playerId: bigint;
  request<T>(seq: RoomSeq, data: Uint8Array, type: { decode(d: Uint8Array): T }, obj?: bigint): Promise<T>;
  relayed(): Promise<RelayedMessage>;
}

/**
 * A new player in the game, connected to `wsUrl`, whose account's room route
 * is pinned to `roomInstance` beforehand (the sticky key every gate honours
 * while that instance is live), so the test knows where its session lands.
 */
async function member(wsUrl: string, roomInstance: string): Promise<Member> {
  const player = await newPlayer(cluster);
  await raw.set(`${PREFIX}:route:room::${player.accountId}`, roomInstance, 'PX', 60_000);
  const client = await connectTo(player, wsUrl);
  clients.push(client);
  const g = game(client);
  const created = await g.create(`t${randomBytes(5).toString('hex')}`);
  expect(created.result).toBe(GameResult.GAME_RESULT_OK);
  const playerId = created.character!.playerId;
  expect((await g.enter(playerId)).result).toBe(GameResult.GAME_RESULT_OK);
  return {
    g,
    playerId,
    request: async (seq, data, type, obj = 0n) => type.decode((await client.request(R, seq, data, { obj })).data),
    relayed: async () => RelayedMessage.decode((await g.nextPush(R, RoomSeq.ROOM_SEQ_RELAYED)).data),
  };
}

const join = (m: Member, roomId: bigint, obj: bigint) => m.request(RoomSeq.ROOM_SEQ_JOIN, JoinRoomRequest.encode({ roomId, password: '' }).finish(), JoinRoomResponse, obj);
const relay = (m: Member, roomId: bigint, bytes: number[]) => m.request(RoomSeq.ROOM_SEQ_RELAY, RelayRequest.encode({ data: new Uint8Array(bytes), includeSender: false }).finish(), RelayResponse, roomId);

beforeAll(async () => {
  redis = await startRedis();
  cluster = await createTestCluster({ services: ['roma', 'lares'], overrides: { router: { kind: 'redis' }, redis: { url: redis.url, key_prefix: PREFIX } } });
  const room1 = await addRoomRoma(cluster, 'room-1');
  const room2 = await addRoomRoma(cluster, 'room-2');
  gateB = await addGate(cluster, 'gate-2');
  cluster.writeConfig();
  await Promise.all([room1.start(), room2.start()]); // roma-1 and Lares already run (createTestCluster)
  await Promise.all([cluster.start('gate'), gateB.start()]);
  raw = createRedisClient({ url: redis.url, name: 'test', logger: pino({ level: 'silent' }) });
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.close();
  if (raw) await closeRedis(raw);
  await cluster?.stop();
  await redis?.dispose();
});

describe('rooms across two room instances', () => {
  it('lets players routed to the other room instance, on either gate, join by room id and relay to each other', async () => {
    const owner = await member(cluster.wsUrl, 'room-1');
    const created = await owner.request(RoomSeq.ROOM_SEQ_CREATE, CreateRoomRequest.encode({ mode: 'free_for_all', capacity: 4, password: '' }).finish(), CreateRoomResponse);
    expect(created.result).toBe(RoomResult.ROOM_RESULT_OK);
    const roomId = created.room!.roomId;
    expect(roomId >> 40n).toBe(1n); // room-1's ordinal: the room lives there
    // The gate recorded where the room lives, for every gate.
    await expect.poll(() => raw.get(`${PREFIX}:route:room:key:${roomId}`), { timeout: 5_000 }).toBe('room-1');

    const sameGate = await member(cluster.wsUrl, 'room-2');
    const otherGate = await member(gateB.wsUrl, 'room-2');
    // Without the room id in obj the join goes by account, to room-2, which does not hold the room.
    expect((await join(sameGate, roomId, 0n)).result).toBe(RoomResult.ROOM_RESULT_ROOM_ON_OTHER_INSTANCE);
    for (const joiner of [sameGate, otherGate]) {
      const joined = await join(joiner, roomId, roomId);
      expect(joined.result).toBe(RoomResult.ROOM_RESULT_OK);
      expect(joined.room!.members.map((m) => m.playerId)).toContain(joiner.playerId);
    }

    expect((await relay(otherGate, roomId, [7, 7])).result).toBe(RoomResult.ROOM_RESULT_OK);
    for (const listener of [owner, sameGate]) {
      const heard = await listener.relayed();
      expect(heard.roomId).toBe(roomId);
      expect(heard.fromPlayerId).toBe(otherGate.playerId);
      expect([...heard.data]).toEqual([7, 7]);
    }
    expect((await relay(sameGate, roomId, [1])).result).toBe(RoomResult.ROOM_RESULT_OK);
    expect((await otherGate.relayed()).fromPlayerId).toBe(sameGate.playerId);

    expect((await otherGate.request(RoomSeq.ROOM_SEQ_LEAVE, LeaveRoomRequest.encode({}).finish(), LeaveRoomResponse, roomId)).result).toBe(RoomResult.ROOM_RESULT_OK);
  }, 60_000);

  it('falls back to the session route for a room id no gate knows', async () => {
    const stranger = await member(gateB.wsUrl, 'room-2');
    // Never created: no key record, so room-2 answers for its own id space.
    expect((await join(stranger, (2n << 40n) | 999_999n, (2n << 40n) | 999_999n)).result).toBe(RoomResult.ROOM_RESULT_ROOM_NOT_FOUND);
    expect(await raw.get(`${PREFIX}:route:room:key:${(2n << 40n) | 999_999n}`)).toBeNull();
  }, 30_000);
});
