// RoomAdmin end to end: SDK -> gate -> a player-role Roma (enter game) and a
// room-role Roma (Room module), all real processes; the operator calls the
// room instance over gRPC with the generated dev admin token.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentials, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GameResult } from '../../src/gen/pantheon/game/v1/common.js';
import {
  CreateRoomRequest,
  CreateRoomResponse,
  JoinRoomRequest,
  JoinRoomResponse,
  RoomEvent,
  RoomEventKind,
  RoomModule,
  RoomResult,
  RoomSeq,
  SetReadyRequest,
  SetReadyResponse,
} from '../../src/gen/pantheon/game/v1/room.js';
import { RoomAdminClient } from '../../src/gen/pantheon/roma/v1/admin.js';
import type { PantheonClient } from '../../src/sdk/node.js';
import { adminCaller, rejection } from '../harness/admin-call.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { addRoomRoma } from '../harness/extra-processes.js';
import { newPlayer } from '../harness/player.js';
import { game, type GameClient } from '../roma-game/game-client.js';

const R = RoomModule.ROOM_MODULE_ID;
let cluster: TestCluster;
let admin: RoomAdminClient;
let token: string;
const clients: PantheonClient[] = [];

/** Calls one RoomAdmin method with the given credential (default: the right one). */
const call = adminCaller(() => admin, () => token);

/** A new account in the game with a character, and its Room calls. */
async function member() {
  const player = await newPlayer(cluster);
  const client = await player.connect('ws');
  clients.push(client);
  const g: GameClient = game(client);
  const created = await g.create(`o${randomBytes(5).toString('hex')}`);
  expect(created.result).toBe(GameResult.GAME_RESULT_OK);
  const playerId = created.character!.playerId;
  expect((await g.enter(playerId)).result).toBe(GameResult.GAME_RESULT_OK);
  const request = async <T>(seq: RoomSeq, data: Uint8Array, type: { decode(d: Uint8Array): T }) => type.decode((await client.request(R, seq, data)).data);
  return {
    playerId,
    create: (mode: string, capacity: number, password = '') => request(RoomSeq.ROOM_SEQ_CREATE, CreateRoomRequest.encode({ mode, capacity, password }).finish(), CreateRoomResponse),
    join: (roomId: bigint, password = '') => request(RoomSeq.ROOM_SEQ_JOIN, JoinRoomRequest.encode({ roomId, password }).finish(), JoinRoomResponse),
    ready: (ready: boolean) => request(RoomSeq.ROOM_SEQ_READY, SetReadyRequest.encode({ ready }).finish(), SetReadyResponse),
    /** Waits for the next RoomEvent of `kind` (earlier events of other kinds are dropped). */
    async event(kind: RoomEventKind): Promise<RoomEvent> {
      for (;;) {
        const event = RoomEvent.decode((await g.nextPush(R, RoomSeq.ROOM_SEQ_EVENT)).data);
        if (event.kind === kind) return event;
      }
    },
  };
}

beforeAll(async () => {
  cluster = await createTestCluster({ services: ['roma', 'lares'] });
  const room = await addRoomRoma(cluster, 'room-1');
  cluster.writeConfig();
  await room.start();
  await cluster.start('gate');
  token = readFileSync(join(cluster.dataDir, 'secrets', 'admin-token'), 'utf8').trim();
  admin = new RoomAdminClient(room.grpcAddress, credentials.createInsecure());
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.close();
  admin?.close();
  await cluster?.stop();
});

describe('RoomAdmin', () => {
  it('refuses a call without a credential or with a wrong one', async () => {
    const missing = await rejection(call('inspectRoom', { roomId: 1n }, null));
    expect(missing.code).toBe(status.UNAUTHENTICATED);
    expect(missing.details).toMatch(/authorization: Bearer/);
    const wrong = await rejection(call('closeRoom', { roomId: 1n, reason: 'x' }, 'x'.repeat(token.length)));
    expect(wrong.code).toBe(status.UNAUTHENTICATED);
    expect(wrong.details).toMatch(/credential is wrong/);
  });

  it('answers INVALID_ARGUMENT for ids 0 and below, NOT_FOUND for an unknown id', async () => {
    expect((await rejection(call('inspectRoom', { roomId: 0n }))).code).toBe(status.INVALID_ARGUMENT);
    expect((await rejection(call('inspectRoom', { roomId: -5n }))).code).toBe(status.INVALID_ARGUMENT);
    expect((await rejection(call('closeRoom', { roomId: 0n, reason: 'x' }))).code).toBe(status.INVALID_ARGUMENT);
    expect((await rejection(call('inspectRoom', { roomId: (1n << 40n) | 999_999n }))).code).toBe(status.NOT_FOUND);
    expect((await rejection(call('closeRoom', { roomId: (1n << 40n) | 999_999n, reason: 'x' }))).code).toBe(status.NOT_FOUND);
  });

  it('inspects a private room without its password, closes it with a reason, and frees its members', async () => {
    const [owner, guest] = await Promise.all([member(), member()]);
    const created = await owner.create('duel', 2, 'sesame');
    expect(created.result).toBe(RoomResult.ROOM_RESULT_OK);
    const roomId = created.room!.roomId;
    expect((await guest.join(roomId, 'sesame')).result).toBe(RoomResult.ROOM_RESULT_OK);
    expect((await guest.ready(true)).result).toBe(RoomResult.ROOM_RESULT_OK);

    const inspected = await call<any>('inspectRoom', { roomId });
    expect(inspected.room).toMatchObject({ roomId, mode: 'duel', capacity: 2, private: true, ownerId: owner.playerId, started: false });
    expect(Number(inspected.room.createdAtMs)).toBeGreaterThan(Date.now() - 60_000);
    expect(inspected.room.members.map((m: any) => [m.playerId, m.ready])).toEqual([
      [owner.playerId, false],
      [guest.playerId, true],
    ]);
    expect(Number(inspected.room.members[1].joinedAtMs)).toBeGreaterThanOrEqual(Number(inspected.room.createdAtMs));
    expect(JSON.stringify(inspected, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain('sesame');
    const listed = await call<any>('listRooms', { offset: 0, limit: 100 });
    expect(listed.rooms.map((r: any) => r.roomId)).toContain(roomId);

    expect((await rejection(call('closeRoom', { roomId, reason: '' }))).code).toBe(status.INVALID_ARGUMENT);
    const closed = await call<any>('closeRoom', { roomId, reason: 'reported for abuse' });
    expect(closed.membersRemoved).toBe(2);
    for (const m of [owner, guest]) {
      const event = await m.event(RoomEventKind.ROOM_EVENT_KIND_CLOSED_BY_OPERATOR);
      expect(event.reason).toBe('reported for abuse');
      expect(event.room!.roomId).toBe(roomId);
    }
    expect((await rejection(call('inspectRoom', { roomId }))).code).toBe(status.NOT_FOUND);
    expect((await guest.join(roomId, 'sesame')).result).toBe(RoomResult.ROOM_RESULT_ROOM_NOT_FOUND);

    // Both are out of the closed room: one creates a new room, the other joins it.
    const again = await owner.create('duel', 2);
    expect(again.result).toBe(RoomResult.ROOM_RESULT_OK);
    expect((await guest.join(again.room!.roomId)).result).toBe(RoomResult.ROOM_RESULT_OK);
  }, 30_000);
});
