// Rooms on the etcd registry: a room-role Roma registers under service
// "room", the gate finds it there and routes module 110 to it, while the
// player-role Roma keeps serving Character under "roma".
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GameResult } from '../../src/gen/pantheon/game/v1/common.js';
import { CreateRoomRequest, CreateRoomResponse, RoomModule, RoomResult, RoomSeq } from '../../src/gen/pantheon/game/v1/room.js';
import type { PantheonClient } from '../../src/sdk/node.js';
import { deepMerge, type TestCluster } from '../harness/cluster.js';
import { startEtcd, type TestEtcd } from '../harness/etcd.js';
import { newPlayer } from '../harness/player.js';
import { freePorts } from '../harness/ports.js';
import { startService, type ServiceProcess } from '../harness/processes.js';
import { createEtcdCluster, eventually, gateHealth, readPrefix } from '../discovery/helpers.js';
import { game } from '../roma-game/game-client.js';

const PREFIX = '/pantheon-test/rooms';

let etcd: TestEtcd;
let client: Etcd3;
let cluster: TestCluster;
let roomRoma: ServiceProcess | undefined;
let session: PantheonClient | undefined;

beforeAll(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  cluster = await createEtcdCluster(etcd.endpoint, PREFIX, ['roma', 'lares', 'gate']);
  const [grpc, http] = await freePorts(2);
  const path = join(cluster.dir, 'room-1.yaml');
  writeFileSync(path, stringify(deepMerge(cluster.config, { roma: { id: 'room-1', role: 'room', room_ordinal: 7, grpc: { port: grpc }, http: { port: http } } })));
  roomRoma = await startService('roma', path);
}, 60_000);

afterAll(async () => {
  session?.close();
  await roomRoma?.stop();
  await cluster?.stop();
  client?.close();
  await etcd?.dispose();
});

describe('rooms on etcd', () => {
  it('registers a room-role Roma under "room" and routes the Room module to it', async () => {
    const records = await eventually(() => readPrefix(client, PREFIX), (all) => `${PREFIX}/room/room-1` in all, 5_000, 'room-1 registered');
    expect(records[`${PREFIX}/room/room-1`]).toMatchObject({ service: 'room', id: 'room-1' });
    expect(records[`${PREFIX}/roma/roma-1`]).toMatchObject({ service: 'roma' });
    await eventually(() => gateHealth(cluster), (health) => health.registry.instances === 2, 5_000, 'the gate seeing roma-1 and room-1');

    session = await (await newPlayer(cluster)).connect('ws');
    const g = game(session);
    const created = await g.create(`e${randomBytes(5).toString('hex')}`);
    expect((await g.enter(created.character!.playerId)).result).toBe(GameResult.GAME_RESULT_OK);
    const reply = await session.request(RoomModule.ROOM_MODULE_ID, RoomSeq.ROOM_SEQ_CREATE, CreateRoomRequest.encode({ mode: 'duel', capacity: 2, password: '' }).finish());
    const room = CreateRoomResponse.decode(reply.data);
    expect(room.result).toBe(RoomResult.ROOM_RESULT_OK);
    expect(room.room!.roomId >> 40n).toBe(7n); // with etcd there is no registry.room order: roma.room_ordinal names the instance
    expect(room.room!.ownerId).toBe(created.character!.playerId);
  }, 30_000);
});
