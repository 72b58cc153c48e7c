// Transport-level behaviour of the gate's data plane: framing limits,
// WebSocket close codes, handshake failures and deadlines, heartbeats, and
// connections spread over the worker threads.
import { randomBytes } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EchoSeq, LogoutCode, Module, ConnectionClosedError } from '../../src/sdk/node.js';
import { ClientHello, HandshakeErrorCode } from '../../src/gen/pantheon/client/v1/handshake.js';
import { TokenStatus } from '../../src/gen/pantheon/auth/v1/token.js';
import { loadTokenKeys } from '../../src/security/keys.js';
import { sealToken } from '../../src/security/token.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { newPlayer, rawHandshakeReply, type TestPlayer } from '../harness/player.js';

const MAX_FRAME = 4096;

describe('gate transports', () => {
  let cluster: TestCluster;
  let player: TestPlayer;

  beforeAll(async () => {
    cluster = await createTestCluster({
      services: ['roma', 'lares', 'gate'],
      overrides: { gate: { max_frame_bytes: MAX_FRAME, handshake_timeout_ms: 600, heartbeat_interval_ms: 400 } },
    });
    player = await newPlayer(cluster);
  });
  afterAll(async () => cluster?.stop());

  function helloWith(token: string, overrides: Partial<ClientHello> = {}): Uint8Array {
    return ClientHello.encode({ version: 1, clientPub: randomBytes(32), token, resumeTicket: new Uint8Array(0), clientTimeMs: BigInt(Date.now()), clientNonce: randomBytes(16), ...overrides }).finish();
  }

  it('spreads TCP connections from many clients over more than one worker', async () => {
    const sockets = await Promise.all(
      Array.from({ length: 40 }, () => new Promise<ReturnType<typeof netConnect>>((resolve) => {
        const socket = netConnect(cluster.ports.gateTcp, '127.0.0.1', () => resolve(socket));
      })),
    );
    const perWorker = async () => {
      const stats = await (await fetch(`http://127.0.0.1:${cluster.ports.gateAdmin}/stats/connections`)).json();
      return stats.per_worker.map((w: { tcp: number }) => w.tcp) as number[];
    };
    await expect.poll(async () => (await perWorker()).reduce((a, b) => a + b, 0), { timeout: 5_000 }).toBe(40);
    expect((await perWorker()).filter((count) => count > 0).length).toBeGreaterThan(1);
    for (const socket of sockets) socket.destroy();
  });

  it('closes a TCP connection whose frame length is zero or over max_frame_bytes', async () => {
    for (const length of [0, MAX_FRAME + 1, 0xffffffff]) {
      const socket = netConnect(cluster.ports.gateTcp, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      const header = Buffer.alloc(4);
      header.writeUInt32BE(length >>> 0);
      socket.write(header);
      await new Promise((resolve) => socket.once('close', resolve));
    }
  });

  it('closes a WebSocket text message with 1003', async () => {
    expect((await rawHandshakeReply(cluster.wsUrl, 'hello')).closeCode).toBe(1003);
  });

  it('closes an oversized WebSocket message with 1009', async () => {
    expect((await rawHandshakeReply(cluster.wsUrl, new Uint8Array(MAX_FRAME + 1))).closeCode).toBe(1009);
  });

  it('answers a first message that is not a ClientHello with HandshakeReply.error and closes', async () => {
    const { reply } = await rawHandshakeReply(cluster.wsUrl, new Uint8Array([0xff, 0xff, 0xff]));
    expect(reply?.result).toEqual({ $case: 'error', value: { code: HandshakeErrorCode.HANDSHAKE_ERROR_MALFORMED_HELLO, message: expect.any(String) } });
  });

  it.each([
    ['an unsupported version', { version: 2 }, HandshakeErrorCode.HANDSHAKE_ERROR_UNSUPPORTED_VERSION],
    ['a short client key', { clientPub: randomBytes(31) }, HandshakeErrorCode.HANDSHAKE_ERROR_BAD_CLIENT_KEY],
    ['an all-zero (low-order) client key', { clientPub: new Uint8Array(32) }, HandshakeErrorCode.HANDSHAKE_ERROR_BAD_CLIENT_KEY],
    ['a short nonce', { clientNonce: randomBytes(8) }, HandshakeErrorCode.HANDSHAKE_ERROR_BAD_NONCE],
  ])('refuses a ClientHello with %s', async (_name, overrides, code) => {
    const grant = await player.grant();
    const { reply } = await rawHandshakeReply(cluster.wsUrl, helloWith(grant.token, overrides));
    expect(reply?.result?.$case === 'error' && reply.result.value.code).toBe(code);
  });

  it('does not burn the token when the ClientHello is refused for a bad key', async () => {
    const grant = await player.grant();
    await rawHandshakeReply(cluster.wsUrl, helloWith(grant.token, { clientPub: new Uint8Array(32) }));
    const { connectWebSocket } = await import('../../src/sdk/node.js');
    const client = await connectWebSocket(grant.gates.ws[0], { token: grant.token, gateKeys: grant.gate_keys });
    client.close();
  });

  it('refuses forged, expired and garbage tokens', async () => {
    const keys = loadTokenKeys(join(cluster.dataDir, 'secrets'), false);
    const expired = sealToken({ accountId: 1n, color: '', serverId: 1n, status: TokenStatus.TOKEN_STATUS_PLAYER, issuedAtMs: 1n, expiresAtMs: BigInt(Date.now() - 1), jti: randomBytes(16) }, keys.current);
    const forged = sealToken({ accountId: 1n, color: '', serverId: 1n, status: TokenStatus.TOKEN_STATUS_PLAYER, issuedAtMs: 1n, expiresAtMs: BigInt(Date.now() + 60_000), jti: randomBytes(16) }, { id: keys.current.id, key: randomBytes(32) });
    const cases: [string, HandshakeErrorCode][] = [
      [expired, HandshakeErrorCode.HANDSHAKE_ERROR_TOKEN_EXPIRED],
      [forged, HandshakeErrorCode.HANDSHAKE_ERROR_TOKEN_INVALID],
      ['not-a-token', HandshakeErrorCode.HANDSHAKE_ERROR_TOKEN_INVALID],
    ];
    for (const [token, code] of cases) {
      const { reply } = await rawHandshakeReply(cluster.wsUrl, helloWith(token));
      expect(reply?.result?.$case === 'error' && reply.result.value.code).toBe(code);
    }
  });

  it('closes a connection that does not finish the handshake in time', async () => {
    const started = Date.now();
    const { reply } = await rawHandshakeReply(cluster.wsUrl, '', 10_000);
    expect(reply?.result?.$case === 'error' && reply.result.value.code).toBe(HandshakeErrorCode.HANDSHAKE_ERROR_TIMEOUT);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('closes a session silent for three heartbeat intervals with ServerLogout', async () => {
    const client = await player.connect('ws', { autoHeartbeat: false });
    expect(client.serverHello.heartbeatIntervalMs).toBe(400);
    const closed = await new Promise<ConnectionClosedError>((resolve) => client.onClose(resolve));
    expect(closed.code).toBe('LOGGED_OUT');
    expect(closed.logout?.code).toBe(LogoutCode.LOGOUT_CODE_HEARTBEAT_TIMEOUT);
  });

  it('keeps a session alive with automatic heartbeats', async () => {
    const client = await player.connect('tcp');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(client.isOpen).toBe(true);
    const reply = await client.request(Module.MODULE_ECHO, EchoSeq.ECHO_SEQ_ECHO, new Uint8Array([1]));
    expect(reply.data).toEqual(new Uint8Array([1]));
    client.close();
  });
});

describe('gate without Roma', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await createTestCluster({ services: ['lares', 'gate'], overrides: { gate: { backend_timeout_ms: 1_000 } } });
  });
  afterAll(async () => cluster?.stop());

  it('answers backend modules with SERVICE_UNAVAILABLE and keeps the connection', async () => {
    const player = await newPlayer(cluster);
    const client = await player.connect('ws');
    const error = await client.request(Module.MODULE_ECHO, EchoSeq.ECHO_SEQ_ECHO, new Uint8Array([1])).catch((e: unknown) => e);
    expect((error as { code: number }).code).toBe(3); // PACKET_CODE_SERVICE_UNAVAILABLE
    await client.heartbeat();
    client.close();
  });

  it('sends ServerLogout(SERVER_SHUTDOWN) to every session on SIGTERM and exits 0', async () => {
    const player = await newPlayer(cluster);
    const clients = [await player.connect('ws'), await player.connect('tcp')];
    const closes = clients.map((client) => new Promise<ConnectionClosedError>((resolve) => client.onClose(resolve)));
    expect(await cluster.processes.gate!.stop()).toBe(0);
    for (const closed of await Promise.all(closes)) {
      expect(closed.code).toBe('LOGGED_OUT');
      expect(closed.logout?.code).toBe(LogoutCode.LOGOUT_CODE_SERVER_SHUTDOWN);
    }
  });
});

describe('dev profile without encryption', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await createTestCluster({ services: ['roma', 'lares', 'gate'], overrides: { profile: 'dev', gate: { security: { encrypt: false } } } });
  });
  afterAll(async () => cluster?.stop());

  it('announces encrypted=false and exchanges plaintext packets', async () => {
    const player = await newPlayer(cluster);
    const client = await player.connect('ws', { allowPlaintext: true });
    expect(client.serverHello.encrypted).toBe(false);
    const reply = await client.request(Module.MODULE_ECHO, EchoSeq.ECHO_SEQ_ECHO, new Uint8Array([4, 2]));
    expect(reply.data).toEqual(new Uint8Array([4, 2]));
    client.close();
  });

  it('is refused outside the dev profile', async () => {
    cluster.config.profile = 'prod';
    cluster.writeConfig();
    const { startService } = await import('../harness/processes.js');
    const gate = await startService('gate', cluster.configPath, { noWait: true });
    expect(await gate.exited).toBe(78);
    expect(gate.stderr.join('')).toMatch(/gate\.security\.encrypt: may be false only when profile is "dev"/);
  });
});
