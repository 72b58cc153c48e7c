// The gate's half of session binding and module routing, against two fake
// game services (in-process gRPC Tunnel servers): gate.module_services sends
// module 110 to the "room" instance and the rest to "roma"; a SESSION_BIND
// from the player-role instance reaches every later envelope to any service,
// and one from any other service is refused.
import { Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EchoSeq, Module } from '../../src/gen/pantheon/client/v1/packet.js';
import { RoomModule } from '../../src/gen/pantheon/game/v1/room.js';
import { Envelope, EnvelopeKind, TunnelService, type TunnelBatch } from '../../src/gen/pantheon/roma/v1/tunnel.js';
import type { PantheonClient } from '../../src/sdk/node.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { newPlayer } from '../harness/player.js';

const text = (value: string) => new TextEncoder().encode(value);
const read = (data: Uint8Array) => new TextDecoder().decode(data);

/**
 * A game service that answers every request with "<its name>:<player_id it
 * was given>", and first sends SESSION_BIND when the request data is "bind:<id>".
 */
async function fakeService(name: string): Promise<{ address: string; stop(): void }> {
  const server = new Server();
  server.addService(TunnelService, {
    open: (call: ServerDuplexStream<TunnelBatch, TunnelBatch>) => {
      call.on('data', (batch: TunnelBatch) => {
        const out: Envelope[] = [];
        for (const request of batch.envelopes) {
          if (request.kind !== EnvelopeKind.ENVELOPE_KIND_REQUEST) continue;
          const asked = read(request.data);
          if (asked.startsWith('bind:')) out.push(Envelope.fromPartial({ kind: EnvelopeKind.ENVELOPE_KIND_SESSION_BIND, sessionId: request.sessionId, playerId: BigInt(asked.slice(5)) }));
          out.push(Envelope.fromPartial({ kind: EnvelopeKind.ENVELOPE_KIND_RESPONSE, sessionId: request.sessionId, mod: request.mod, seq: request.seq, index: request.index, data: text(`${name}:${request.playerId}`) }));
        }
        if (out.length > 0) call.write({ envelopes: out });
      });
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  return { address: `127.0.0.1:${port}`, stop: () => server.forceShutdown() };
}

let cluster: TestCluster;
let player: Awaited<ReturnType<typeof fakeService>>;
let room: Awaited<ReturnType<typeof fakeService>>;
const clients: PantheonClient[] = [];

beforeAll(async () => {
  player = await fakeService('player');
  room = await fakeService('room');
  cluster = await createTestCluster({
    services: ['lares', 'gate'],
    overrides: { registry: { roma: [{ id: 'fake-player', grpc_address: player.address }], room: [{ id: 'fake-room', grpc_address: room.address }] } },
  });
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.close();
  await cluster?.stop();
  player?.stop();
  room?.stop();
});

async function connect(): Promise<PantheonClient> {
  const client = await (await newPlayer(cluster)).connect('ws');
  clients.push(client);
  return client;
}

describe('session binding at the gate', () => {
  const echo = async (client: PantheonClient, data: string) => read((await client.request(Module.MODULE_ECHO, EchoSeq.ECHO_SEQ_ECHO, text(data))).data);
  const roomCall = async (client: PantheonClient, data: string, obj = 0n) => read((await client.request(RoomModule.ROOM_MODULE_ID, 1, text(data), { obj })).data);

  it('routes module 110 to the room service and the rest to roma, with player_id 0 before binding', async () => {
    const client = await connect();
    expect(await echo(client, 'hi')).toBe('player:0');
    expect(await roomCall(client, 'hi', 99n)).toBe('room:0');
  });

  it('carries a player bound by roma on every later envelope, to the room service too', async () => {
    const client = await connect();
    expect(await roomCall(client, 'first')).toBe('room:0'); // the room instance saw the session before the bind
    expect(await echo(client, 'bind:4242')).toBe('player:0');
    expect(await roomCall(client, 'after')).toBe('room:4242');
    expect(await echo(client, 'after')).toBe('player:4242');
  });

  it('refuses a bind from a service other than roma', async () => {
    const client = await connect();
    expect(await roomCall(client, 'bind:777')).toBe('room:0');
    expect(await roomCall(client, 'again')).toBe('room:0');
    expect(await echo(client, 'again')).toBe('player:0');
  });
});
