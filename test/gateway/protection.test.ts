// The gate protecting itself and the backends: connection and handshake
// limits, per-session rate limits and slow consumers
// — all through real processes.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EchoSeq, HandshakeErrorCode, LogoutCode, Module, PacketCode, ServerLogout, SystemSeq } from '../../src/sdk/node.js';
import { ClientHello } from '../../src/gen/pantheon/client/v1/handshake.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { newPlayer, rawHandshakeReply, rawSession, type TestPlayer } from '../harness/player.js';
import { acceptedConnections, closesSoon, tcpFrom } from '../harness/connections.js';


const ECHO = { mod: Module.MODULE_ECHO, seq: EchoSeq.ECHO_SEQ_ECHO };

describe('limits', () => {
  let cluster: TestCluster;
  let player: TestPlayer;

  beforeAll(async () => {
    cluster = await createTestCluster({
      services: ['roma', 'lares', 'gate'],
      overrides: {
        gate: {
          limits: {
            max_connections: 20,
            max_connections_per_ip: 3,
            handshakes_per_ip: { rate_per_s: 0.1, burst: 3 },
            packets_per_session: { rate_per_s: 5, burst: 5 },
            abuse_close_after: 30,
            slow_consumer_bytes: 64 * 1024,
          },
        },
      },
    });
    player = await newPlayer(cluster);
  });
  afterAll(async () => cluster?.stop());

  it('refuses connections over max_connections_per_ip and counts them again once closed', async () => {
    const from = '127.0.0.2';
    const first = await Promise.all([1, 2, 3].map(() => tcpFrom(from, cluster.ports.gateTcp)));
    // A client's connect completes before the gate accepts: wait until the gate has
    // taken all three, so the fourth is the one over the limit.
    await expect.poll(() => acceptedConnections(cluster), { timeout: 5_000 }).toBe(3);
    const fourth = await tcpFrom(from, cluster.ports.gateTcp);
    expect(await closesSoon(fourth)).toBe(true);
    for (const socket of first) expect(socket.destroyed).toBe(false);
    first[0].destroy();
    await expect.poll(() => acceptedConnections(cluster), { timeout: 5_000 }).toBe(2);
    const again = await tcpFrom(from, cluster.ports.gateTcp);
    expect(await closesSoon(again)).toBe(false);
    for (const socket of [...first, again]) socket.destroy();
  });

  it('refuses connections over max_connections for the whole gate', async () => {
    const sockets: Socket[] = [];
    for (let i = 0; i < 20; i++) sockets.push(await tcpFrom(`127.0.1.${i + 1}`, cluster.ports.gateTcp));
    await expect.poll(() => acceptedConnections(cluster), { timeout: 5_000 }).toBe(20);
    const overflow = await tcpFrom('127.0.2.1', cluster.ports.gateTcp);
    expect(await closesSoon(overflow)).toBe(true);
    for (const socket of sockets) socket.destroy();
  });

  it('answers handshakes over the per-address rate with HANDSHAKE_ERROR_RATE_LIMITED', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const grant = await player.grant();
      const hello = ClientHello.encode({ version: 1, clientPub: randomBytes(32), token: grant.token, resumeTicket: new Uint8Array(0), clientTimeMs: 0n, clientNonce: randomBytes(16) }).finish();
      // All from one source address; the raw helper binds it.
      const { reply } = await rawHandshakeReply(cluster.wsUrl, hello, 1_000, '127.0.3.1');
      codes.push(reply?.result?.$case === 'error' ? reply.result.value.code : 0);
    }
    // Accepted hellos get a ServerHello (code 0 here); the fourth is over the burst of 3.
    expect(codes.slice(0, 3)).toEqual([0, 0, 0]);
    expect(codes[3]).toBe(HandshakeErrorCode.HANDSHAKE_ERROR_RATE_LIMITED);
  });

  it('answers packets over the session rate with RATE_LIMITED and keeps the session', async () => {
    const session = await rawSession(await player.grant(), 'tcp', '127.0.4.1');
    for (let index = 1; index <= 10; index++) session.sendBody(session.sealPacket({ ...ECHO, index, data: new Uint8Array([index]) }));
    await expect.poll(() => session.received.length).toBe(10);
    const codes = session.received.map((p) => p?.code);
    expect(codes.filter((c) => c === 0).length).toBeGreaterThanOrEqual(5);
    expect(codes.filter((c) => c === PacketCode.PACKET_CODE_RATE_LIMITED).length).toBeGreaterThanOrEqual(4);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    session.sendBody(session.sealPacket({ ...ECHO, index: 11, data: new Uint8Array([11]) }));
    await expect.poll(() => session.received.length).toBe(11);
    expect(session.received[10]?.code).toBe(0);
    session.close();
  });

  it('logs out a session that keeps flooding past its rate', async () => {
    const session = await rawSession(await player.grant(), 'ws', '127.0.4.2');
    for (let index = 1; index <= 60; index++) session.sendBody(session.sealPacket({ ...ECHO, index }));
    await session.closed;
    const logout = session.received.find((p) => p?.mod === Module.MODULE_SYSTEM && p.seq === SystemSeq.SYSTEM_SEQ_SERVER_LOGOUT);
    expect(ServerLogout.decode(logout!.data).code).toBe(LogoutCode.LOGOUT_CODE_RATE_LIMITED);
  });

});

describe('slow consumers', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await createTestCluster({
      services: ['roma', 'lares', 'gate'],
      overrides: { gate: { limits: { slow_consumer_bytes: 64 * 1024, packets_per_session: { rate_per_s: 10_000, burst: 10_000 }, bytes_per_session: { rate_per_s: 1e9, burst: 1e9 } } } },
    });
  });
  afterAll(async () => cluster?.stop());

  it('drops a client that stops reading instead of buffering for it', async () => {
    const player = await newPlayer(cluster);
    const session = await rawSession(await player.grant(), 'tcp');
    session.pauseReading();
    const payload = randomBytes(60_000); // incompressible: stays big on the way back
    // The kernel's socket buffers (several MiB on loopback) fill first, then the gate's.
    for (let index = 1; index <= 1_000; index++) {
      session.sendBody(session.sealPacket({ ...ECHO, index, data: payload }));
      if (index % 50 === 0) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (cluster.processes.gate!.lines.some((l) => l.event === 'slow_consumer_dropped')) break;
      }
    }
    const line = await cluster.processes.gate!.waitForLog((l) => l.event === 'slow_consumer_dropped', 10_000);
    expect(Number(line.buffered_bytes)).toBeGreaterThan(64 * 1024);
    session.close();
  });
});
