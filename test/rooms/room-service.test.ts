// The Room service's rules, driven directly (no processes): membership,
// owner hand-over, ready/start, relay fan-out and rate limit, refusals, room
// closing, and a failing operation that must not take its room down.
import { beforeAll, describe, expect, it } from 'vitest';
import { createRootLogger } from '../../src/common/logger.js';
import { PacketCode } from '../../src/gen/pantheon/client/v1/packet.js';
import { RelayedMessage, RoomEvent, RoomEventKind, RoomResult, RoomSeq, RoomState } from '../../src/gen/pantheon/game/v1/room.js';
import { GameDataStore } from '../../src/services/roma/gamedata/index.js';
import { RequestRejected } from '../../src/services/roma/module-api.js';
import type { MemberSession } from '../../src/services/roma/rooms/room.js';
import { RoomService } from '../../src/services/roma/rooms/room-service.js';

interface Pushed {
  to: string;
  seq: RoomSeq;
  data: Uint8Array;
}

let gameData: GameDataStore;
const logger = createRootLogger({ service: 'test', instance: 'rooms', level: 'silent' });

beforeAll(async () => {
  gameData = await GameDataStore.open('./gamedata');
});

function setup(now = () => Date.now()) {
  const pushes: Pushed[] = [];
  const rooms = new RoomService({
    ordinal: 1,
    gameData: () => gameData.current,
    push: (sessionId, seq, data) => {
      pushes.push({ to: Buffer.from(sessionId).toString('hex'), seq, data });
      return true;
    },
    logger,
    now,
  });
  const events = (player: MemberSession) => pushes.filter((p) => p.to === player.sessionHex && p.seq === RoomSeq.ROOM_SEQ_EVENT).map((p) => RoomEvent.decode(p.data));
  const relays = (player: MemberSession) => pushes.filter((p) => p.to === player.sessionHex && p.seq === RoomSeq.ROOM_SEQ_RELAYED).map((p) => RelayedMessage.decode(p.data));
  return { rooms, pushes, events, relays };
}

let nextSession = 1;
function player(id: number): MemberSession {
  const sessionId = new Uint8Array(16);
  new DataView(sessionId.buffer).setUint32(12, nextSession++);
  return { playerId: BigInt(id), sessionId, sessionHex: Buffer.from(sessionId).toString('hex') };
}

describe('room service', () => {
  it('runs a room of 8: join, relay with and without the sender, kick, leave with owner hand-over, ready and start', async () => {
    const { rooms, events, relays } = setup();
    const players = [1, 2, 3, 4, 5, 6, 7, 8].map((id) => player(1000 + id));
    const [owner, ...others] = players;
    const created = rooms.create(owner, { mode: 'free_for_all', capacity: 8, password: '' });
    expect(created.result).toBe(RoomResult.ROOM_RESULT_OK);
    const roomId = created.room!.roomId;
    expect(roomId >> 40n).toBe(1n); // this instance's ordinal in the high bits
    for (const joiner of others) expect((await rooms.join(joiner, roomId, '')).result).toBe(RoomResult.ROOM_RESULT_OK);
    // Every member hears of every later join; the owner heard all seven.
    expect(events(owner).filter((e) => e.kind === RoomEventKind.ROOM_EVENT_KIND_JOINED).map((e) => e.playerId)).toEqual(others.map((p) => p.playerId));
    expect((await rooms.join(player(2000), roomId, '')).result).toBe(RoomResult.ROOM_RESULT_ROOM_FULL);

    expect((await rooms.relay(others[0], new Uint8Array([7]), false)).result).toBe(RoomResult.ROOM_RESULT_OK);
    expect(relays(others[0])).toHaveLength(0);
    for (const p of [owner, ...others.slice(1)]) expect(relays(p).map((r) => [r.fromPlayerId, [...r.data]])).toEqual([[others[0].playerId, [7]]]);
    expect((await rooms.relay(others[0], new Uint8Array([8]), true)).result).toBe(RoomResult.ROOM_RESULT_OK);
    expect(relays(others[0]).map((r) => [...r.data])).toEqual([[8]]);

    expect((await rooms.kick(others[1], owner.playerId)).result).toBe(RoomResult.ROOM_RESULT_NOT_OWNER);
    expect((await rooms.kick(owner, others[6].playerId)).result).toBe(RoomResult.ROOM_RESULT_OK);
    expect(events(others[6]).at(-1)).toMatchObject({ kind: RoomEventKind.ROOM_EVENT_KIND_KICKED, playerId: others[6].playerId });
    expect(events(owner).at(-1)?.kind).toBe(RoomEventKind.ROOM_EVENT_KIND_KICKED);
    expect((await rooms.relay(others[6], new Uint8Array([1]), true)).result).toBe(RoomResult.ROOM_RESULT_NOT_IN_ROOM);

    // The owner leaves: the longest-present member (the first joiner) owns the room.
    expect((await rooms.leave(owner)).result).toBe(RoomResult.ROOM_RESULT_OK);
    const handOver = events(others[2]).slice(-2);
    expect(handOver.map((e) => e.kind)).toEqual([RoomEventKind.ROOM_EVENT_KIND_LEFT, RoomEventKind.ROOM_EVENT_KIND_OWNER_CHANGED]);
    expect(handOver[1].playerId).toBe(others[0].playerId);
    expect(handOver[1].room?.ownerId).toBe(others[0].playerId);

    const remaining = others.slice(0, 6);
    expect(rooms.list({ mode: '', hasSpace: true, offset: 0, limit: 0 }).rooms.map((r) => r.members.length)).toEqual([6]);
    for (const p of remaining) expect((await rooms.setReady(p, true)).result).toBe(RoomResult.ROOM_RESULT_OK);
    expect((await rooms.start(remaining[1])).result).toBe(RoomResult.ROOM_RESULT_NOT_OWNER);
    const started = await rooms.start(remaining[0]);
    expect(started.result).toBe(RoomResult.ROOM_RESULT_OK);
    expect(started.room?.state).toBe(RoomState.ROOM_STATE_STARTED);
    for (const p of remaining) expect(events(p).at(-1)?.kind).toBe(RoomEventKind.ROOM_EVENT_KIND_STARTED);
    expect((await rooms.join(owner, roomId, '')).result).toBe(RoomResult.ROOM_RESULT_ROOM_STARTED);
    expect((await rooms.setReady(remaining[1], false)).result).toBe(RoomResult.ROOM_RESULT_ROOM_STARTED);
    expect(rooms.list({ mode: '', hasSpace: true, offset: 0, limit: 0 }).total).toBe(0);
  });

  it('refuses unknown modes, capacities outside the mode, wrong passwords and a second room', async () => {
    const { rooms } = setup();
    const a = player(1);
    const b = player(2);
    expect(rooms.create(a, { mode: 'no_such_mode', capacity: 2, password: '' }).result).toBe(RoomResult.ROOM_RESULT_MODE_UNKNOWN);
    expect(rooms.create(a, { mode: 'free_for_all', capacity: 1, password: '' }).result).toBe(RoomResult.ROOM_RESULT_CAPACITY_OUT_OF_RANGE);
    expect(rooms.create(a, { mode: 'free_for_all', capacity: 9, password: '' }).result).toBe(RoomResult.ROOM_RESULT_CAPACITY_OUT_OF_RANGE);
    const secret = rooms.create(a, { mode: 'duel', capacity: 2, password: 'sesame' });
    expect(secret.result).toBe(RoomResult.ROOM_RESULT_OK);
    expect(secret.room?.private).toBe(true);
    expect(rooms.create(a, { mode: 'duel', capacity: 2, password: '' }).result).toBe(RoomResult.ROOM_RESULT_ALREADY_IN_ROOM);
    expect(rooms.list({ mode: '', hasSpace: false, offset: 0, limit: 0 }).total).toBe(0); // private rooms are not listed
    expect((await rooms.join(b, secret.room!.roomId, '')).result).toBe(RoomResult.ROOM_RESULT_WRONG_PASSWORD);
    expect((await rooms.join(b, secret.room!.roomId, 'wrong')).result).toBe(RoomResult.ROOM_RESULT_WRONG_PASSWORD);
    expect((await rooms.join(b, (1n << 40n) | 999n, '')).result).toBe(RoomResult.ROOM_RESULT_ROOM_NOT_FOUND);
    expect((await rooms.join(b, 12345n, '')).result).toBe(RoomResult.ROOM_RESULT_ROOM_NOT_FOUND);
    expect((await rooms.join(b, (2n << 40n) | 1n, '')).result).toBe(RoomResult.ROOM_RESULT_ROOM_ON_OTHER_INSTANCE);
    expect((await rooms.join(b, secret.room!.roomId, 'sesame')).result).toBe(RoomResult.ROOM_RESULT_OK);
    expect((await rooms.leave(player(3))).result).toBe(RoomResult.ROOM_RESULT_NOT_IN_ROOM);
    expect((await rooms.kick(a, 999n)).result).toBe(RoomResult.ROOM_RESULT_MEMBER_NOT_FOUND);
    expect((await rooms.relay(a, new Uint8Array(5000), false)).result).toBe(RoomResult.ROOM_RESULT_DATA_TOO_LARGE);
  });

  it('starts only with every member ready in a ready_required mode and with at least min players', async () => {
    const { rooms } = setup();
    const [a, b, c] = [player(1), player(2), player(3)];
    rooms.create(a, { mode: 'team_2v2', capacity: 4, password: '' });
    const roomId = rooms.list({ mode: 'team_2v2', hasSpace: true, offset: 0, limit: 0 }).rooms[0].roomId;
    await rooms.join(b, roomId, '');
    await rooms.join(c, roomId, '');
    await rooms.setReady(a, true);
    await rooms.setReady(b, true);
    await rooms.setReady(c, true);
    expect((await rooms.start(a)).result).toBe(RoomResult.ROOM_RESULT_TOO_FEW_PLAYERS);
    const d = player(4);
    await rooms.join(d, roomId, '');
    expect((await rooms.start(a)).result).toBe(RoomResult.ROOM_RESULT_NOT_ALL_READY);
    await rooms.setReady(d, true);
    await rooms.setReady(b, false);
    expect((await rooms.start(a)).result).toBe(RoomResult.ROOM_RESULT_NOT_ALL_READY);
    await rooms.setReady(b, true);
    expect((await rooms.start(a)).result).toBe(RoomResult.ROOM_RESULT_OK);
  });

  it('closes a room when its last member leaves, and when the last session ends', async () => {
    const { rooms } = setup();
    const [a, b] = [player(1), player(2)];
    const first = rooms.create(a, { mode: 'duel', capacity: 2, password: '' }).room!.roomId;
    await rooms.join(b, first, '');
    await rooms.leave(a);
    expect(rooms.roomCount).toBe(1);
    await rooms.leave(b);
    expect(rooms.roomCount).toBe(0);
    expect((await rooms.join(a, first, '')).result).toBe(RoomResult.ROOM_RESULT_ROOM_NOT_FOUND);

    const second = rooms.create(a, { mode: 'duel', capacity: 2, password: '' }).room!.roomId;
    // A newer session of the same player keeps it in the room: the end of the older one changes nothing.
    const aAgain = { ...player(1), playerId: a.playerId };
    expect((await rooms.setReady(aAgain, true)).result).toBe(RoomResult.ROOM_RESULT_OK);
    rooms.sessionClosed(a.sessionHex);
    await rooms.actor(second)!.run(() => undefined);
    expect(rooms.roomCount).toBe(1);
    rooms.sessionClosed(aAgain.sessionHex);
    await rooms.actor(second)!.run(() => undefined);
    expect(rooms.roomCount).toBe(0);
  });

  it('takes a member out when its session ends, even after the session entered the game as another player', async () => {
    const { rooms, events } = setup();
    const [a, b] = [player(1), player(2)];
    const roomId = rooms.create(a, { mode: 'duel', capacity: 2, password: '' }).room!.roomId;
    await rooms.join(b, roomId, '');
    // Whatever player the gate has bound the session to by now, the room knows that session as player 2.
    rooms.sessionClosed(b.sessionHex);
    await rooms.actor(roomId)!.run(() => undefined);
    expect(events(a).at(-1)).toMatchObject({ kind: RoomEventKind.ROOM_EVENT_KIND_LEFT, playerId: b.playerId });
    expect((await rooms.join(b, roomId, '')).result).toBe(RoomResult.ROOM_RESULT_OK); // free to join again
  });

  it('limits relays per player to the mode rate', async () => {
    let now = 1_000_000;
    const { rooms } = setup(() => now);
    const [a, b] = [player(1), player(2)];
    const roomId = rooms.create(a, { mode: 'free_for_all', capacity: 2, password: '' }).room!.roomId; // 20 relays per second
    await rooms.join(b, roomId, '');
    const results: RoomResult[] = [];
    for (let i = 0; i < 21; i++) results.push((await rooms.relay(a, new Uint8Array([i]), false)).result);
    expect(results.slice(0, 20).every((r) => r === RoomResult.ROOM_RESULT_OK)).toBe(true);
    expect(results[20]).toBe(RoomResult.ROOM_RESULT_RATE_LIMITED);
    expect((await rooms.relay(b, new Uint8Array([1]), false)).result).toBe(RoomResult.ROOM_RESULT_OK); // per player
    now += 100; // two tokens back
    expect((await rooms.relay(a, new Uint8Array([1]), false)).result).toBe(RoomResult.ROOM_RESULT_OK);
  });

  it('answers a failing operation with INTERNAL and keeps the room serving', async () => {
    const { rooms } = setup();
    const [a, b] = [player(1), player(2)];
    const roomId = rooms.create(a, { mode: 'duel', capacity: 2, password: '' }).room!.roomId;
    const failed = rooms.actor(roomId)!.run(() => {
      throw new Error('handler bug');
    });
    await expect(failed).rejects.toBeInstanceOf(RequestRejected);
    await expect(failed).rejects.toMatchObject({ packetCode: PacketCode.PACKET_CODE_INTERNAL });
    expect((await rooms.join(b, roomId, '')).result).toBe(RoomResult.ROOM_RESULT_OK);
    expect(rooms.roomCount).toBe(1);
  });
});
