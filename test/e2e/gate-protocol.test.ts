// PANTHEON/1 end to end through real processes: SDK -> gate -> Roma, with
// tokens from a real Lares.
import { deflateSync } from 'node:zlib';
import { credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EchoSeq, HandshakeErrorCode, HandshakeFailedError, LogoutCode, Module, PacketCode, RequestError, ServerLogout, SystemSeq } from '../../src/sdk/node.js';
import { RomaAdminClient } from '../../src/gen/pantheon/roma/v1/tunnel.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { newPlayer, rawSession, type TestPlayer } from '../harness/player.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('PANTHEON/1 through the gate', () => {
  let cluster: TestCluster;
  let player: TestPlayer;

  beforeAll(async () => {
    cluster = await createTestCluster({ services: ['roma', 'lares', 'gate'], overrides: { gate: { compress_threshold_bytes: 1024 } } });
    player = await newPlayer(cluster);
  });
  afterAll(async () => cluster?.stop());

  for (const transport of ['ws', 'tcp'] as const) {
    it(`registers, handshakes, heartbeats and echoes through Roma over ${transport}`, async () => {
      const client = await player.connect(transport);
      expect(client.serverHello.encrypted).toBe(true);
      expect(client.serverHello.sessionId).toHaveLength(16);
      const beat = await client.heartbeat();
      expect(Number(beat.serverTimeMs)).toBeGreaterThan(Date.now() - 60_000);
      for (let i = 0; i < 20; i++) {
        const reply = await client.request(Module.MODULE_ECHO, EchoSeq.ECHO_SEQ_ECHO, text(`ping ${i} over ${transport}`));
        expect(new TextDecoder().decode(reply.data)).toBe(`ping ${i} over ${transport}`);
        expect(reply.code).toBe(0);
      }
      client.close();
    });
  }

  it('keeps per-session order for many concurrent requests', async () => {
    const client = await player.connect('ws');
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => client.request(Module.MODULE_ECHO, EchoSeq.ECHO_SEQ_ECHO, text(String(i)))));
    expect(replies.map((r) => new TextDecoder().decode(r.data))).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
    expect(replies.map((r) => r.index)).toEqual([...replies.map((r) => r.index)].sort((a, b) => a - b));
    client.close();
  });

  it('refuses a token used twice', async () => {
    const grant = await player.grant();
    const first = await rawSession(grant);
    first.close();
    const error = await rawSession(grant).catch((e: Error) => e);
    expect(String(error)).toMatch(/"code":7/); // HANDSHAKE_ERROR_TOKEN_REPLAYED
    const viaSdk = await import('../../src/sdk/node.js').then(({ connectWebSocket }) =>
      connectWebSocket(grant.gates.ws[0], { token: grant.token, gateKeys: grant.gate_keys }).catch((e: unknown) => e),
    );
    expect(viaSdk).toBeInstanceOf(HandshakeFailedError);
    expect((viaSdk as HandshakeFailedError).code).toBe('SERVER_REJECTED');
    expect((viaSdk as HandshakeFailedError).serverCode).toBe(HandshakeErrorCode.HANDSHAKE_ERROR_TOKEN_REPLAYED);
  });

  it('fails the handshake on the client when the gate signs with a key the client does not trust', async () => {
    const grant = await player.grant();
    const { connectWebSocket } = await import('../../src/sdk/node.js');
    const wrongKey = { key_id: grant.gate_keys[0].key_id, ed25519_pub: Buffer.alloc(32, 1).toString('base64') };
    const error = await connectWebSocket(grant.gates.ws[0], { token: grant.token, gateKeys: [wrongKey] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeFailedError);
  });

  for (const transport of ['ws', 'tcp'] as const) {
    it(`closes the connection on a frame with one flipped bit (${transport})`, async () => {
      const session = await rawSession(await player.grant(), transport);
      const body = session.sealPacket({ mod: Module.MODULE_ECHO, seq: EchoSeq.ECHO_SEQ_ECHO, index: 1, data: text('x') });
      body[2] ^= 0x01;
      session.sendBody(body);
      const closed = await session.closed;
      if (transport === 'ws') expect(closed.code).toBe(1002);
      expect(session.received).toEqual([]);
    });

    it(`closes the connection on a replayed frame (${transport})`, async () => {
      const session = await rawSession(await player.grant(), transport);
      const body = session.sealPacket({ mod: Module.MODULE_SYSTEM, seq: SystemSeq.SYSTEM_SEQ_HEARTBEAT, index: 1 });
      session.sendBody(body);
      await expect.poll(() => session.received.length).toBe(1);
      expect(session.received[0]?.code).toBe(0);
      session.sendBody(body); // same bytes again: the gate expects counter 1, this was sealed with 0
      await session.closed;
      expect(session.received).toHaveLength(1);
    });
  }

  it('answers an unknown module with a non-zero code and keeps the connection', async () => {
    const client = await player.connect('ws');
    const error = await client.request(999, 1, text('?')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).code).toBe(PacketCode.PACKET_CODE_UNKNOWN_MODULE);
    const unknownSeq = await client.request(Module.MODULE_SYSTEM, 99).catch((e: unknown) => e);
    expect((unknownSeq as RequestError).code).toBe(PacketCode.PACKET_CODE_UNKNOWN_SEQ);
    const reply = await client.request(Module.MODULE_ECHO, EchoSeq.ECHO_SEQ_ECHO, text('still here'));
    expect(new TextDecoder().decode(reply.data)).toBe('still here');
    client.close();
  });

  it('compresses large responses and inflates them in the SDK', async () => {
    const client = await player.connect('tcp');
    const big = text('pantheon '.repeat(1000));
    const reply = await client.request(Module.MODULE_ECHO, EchoSeq.ECHO_SEQ_ECHO, big);
    expect(reply.compressed).toBe(true);
    expect(reply.data).toEqual(big);
    client.close();
  });

  it('inflates compressed requests before Roma sees them', async () => {
    const session = await rawSession(await player.grant());
    const original = text('abc'.repeat(100));
    session.sendBody(session.sealPacket({ mod: Module.MODULE_ECHO, seq: EchoSeq.ECHO_SEQ_ECHO, index: 1, data: deflateSync(original), compressed: true }));
    await expect.poll(() => session.received.length).toBe(1);
    expect(session.received[0]?.code).toBe(0);
    expect(session.received[0]?.data).toEqual(original); // 300 bytes: under the threshold, sent plain
    session.close();
  });

  it('closes with ServerLogout when compressed data inflates past the cap (zlib bomb)', async () => {
    const session = await rawSession(await player.grant());
    session.sendBody(session.sealPacket({ mod: Module.MODULE_ECHO, seq: EchoSeq.ECHO_SEQ_ECHO, index: 1, data: deflateSync(Buffer.alloc(20_000_000)), compressed: true }));
    await session.closed;
    const logout = session.received.find((p) => p?.mod === Module.MODULE_SYSTEM && p.seq === SystemSeq.SYSTEM_SEQ_SERVER_LOGOUT);
    expect(ServerLogout.decode(logout!.data).code).toBe(LogoutCode.LOGOUT_CODE_PROTOCOL_ERROR);
  });

  it('delivers a push from Roma to the right session', async () => {
    const client = await player.connect('ws');
    await client.request(Module.MODULE_ECHO, EchoSeq.ECHO_SEQ_ECHO, text('open the route'));
    const pushes: { mod: number; seq: number; data: string; index: number }[] = [];
    client.onPush((p) => pushes.push({ mod: p.mod, seq: p.seq, data: new TextDecoder().decode(p.data), index: p.index }));
    const admin = new RomaAdminClient(`127.0.0.1:${cluster.ports.romaGrpc}`, credentials.createInsecure());
    const response = await new Promise<{ delivered: boolean }>((resolve, reject) =>
      admin.pushToSession({ sessionId: client.sessionId, mod: Module.MODULE_ECHO, seq: 7, data: text('pushed') }, (e, r) => (e ? reject(e) : resolve(r))),
    );
    admin.close();
    expect(response.delivered).toBe(true);
    await expect.poll(() => pushes).toEqual([{ mod: Module.MODULE_ECHO, seq: 7, data: 'pushed', index: 0 }]);
    client.close();
  });

  it('reports sessions in /stats/connections', async () => {
    const client = await player.connect('tcp');
    await expect
      .poll(async () => (await (await fetch(`http://127.0.0.1:${cluster.ports.gateAdmin}/stats/connections`)).json()).per_transport.tcp, { timeout: 5_000 })
      .toBeGreaterThanOrEqual(1);
    client.close();
  });
});
