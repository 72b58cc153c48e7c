// The SDK over real sockets: the WebSocket transport (with the `ws` package)
// and the TCP transport, each against the in-test gate on a loopback port.
import { createServer } from 'node:net';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { LogoutCode, Module } from '../../src/gen/pantheon/client/v1/packet.js';
import * as browserEntry from '../../src/sdk/index.js';
import { connectTcp, connectWebSocket, connectWithToken, parseTcpAddress, type PantheonClient, type TokenGrant } from '../../src/sdk/node.js';
import { createGateIdentity, startTcpGate, startWsGate, type RunningGate } from './helpers/test-gate.js';

const identity = createGateIdentity();
const text = (value: string) => new TextEncoder().encode(value);
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function gate(kind: 'ws' | 'tcp', options: Partial<Parameters<typeof startWsGate>[0]> = {}): Promise<RunningGate> {
  const running = await (kind === 'ws' ? startWsGate : startTcpGate)({ identity, compressAtBytes: 1024, ...options });
  cleanups.push(() => running.stop());
  return running;
}

function track(client: PantheonClient): PantheonClient {
  cleanups.push(() => client.close());
  return client;
}

async function exercise(client: PantheonClient): Promise<void> {
  const big = text('z'.repeat(20_000));
  const [small, large, beat] = await Promise.all([client.request(Module.MODULE_ECHO, 1, text('hi')), client.request(Module.MODULE_ECHO, 1, big), client.heartbeat()]);
  expect(new TextDecoder().decode(small.data)).toBe('hi');
  expect(large.compressed).toBe(true);
  expect(large.data).toEqual(big);
  expect(beat.serverTimeMs).toBeGreaterThan(0n);
}

describe('WebSocket transport', () => {
  it('runs handshake, requests, inflate and heartbeats over ws (node entry)', async () => {
    const running = await gate('ws');
    const client = track(await connectWebSocket(running.url, { token: 'tok', gateKeys: [identity.gateKey] }));
    expect(client.transportKind).toBe('websocket');
    await exercise(client);
    expect(running.sessions[0].clientHello!.token).toBe('tok');
  });

  it('works from the browser entry given a WebSocket constructor', async () => {
    const running = await gate('ws');
    const client = track(await browserEntry.connectWebSocket(running.url, { token: 'tok', gateKeys: [identity.gateKey], WebSocket }));
    await exercise(client); // inflate via DecompressionStream here
  });

  it('says what to do when there is no global WebSocket', async () => {
    const original = (globalThis as { WebSocket?: unknown }).WebSocket;
    delete (globalThis as { WebSocket?: unknown }).WebSocket;
    try {
      await expect(browserEntry.connectWebSocket('ws://127.0.0.1:1/ws', { token: 't', gateKeys: [] })).rejects.toThrow(/pass options.WebSocket/);
    } finally {
      if (original !== undefined) (globalThis as { WebSocket?: unknown }).WebSocket = original;
    }
  });

  it('carries the WebSocket close code and the ServerLogout in the close reason', async () => {
    const running = await gate('ws');
    const client = track(await connectWebSocket(running.url, { token: 'tok', gateKeys: [identity.gateKey] }));
    await client.heartbeat();
    running.sessions[0].logout(LogoutCode.LOGOUT_CODE_SERVER_SHUTDOWN, 'gate stopping');
    const reason = await client.closed;
    expect(reason).toMatchObject({ code: 'LOGGED_OUT', wsCloseCode: 1000, wsCloseReason: 'bye', logout: { code: LogoutCode.LOGOUT_CODE_SERVER_SHUTDOWN, reason: 'gate stopping' } });
  });

  it('fails with CONNECT_FAILED when nothing listens', async () => {
    const port = await closedPort();
    await expect(connectWebSocket(`ws://127.0.0.1:${port}/ws`, { token: 't', gateKeys: [identity.gateKey] })).rejects.toMatchObject({ name: 'ConnectionClosedError', code: 'CONNECT_FAILED' });
  });
});

describe('TCP transport', () => {
  it('runs handshake, requests, inflate and heartbeats over framed TCP', async () => {
    const running = await gate('tcp');
    const client = track(await connectTcp(running.url, { token: 'tok', gateKeys: [identity.gateKey] }));
    expect(client.transportKind).toBe('tcp');
    await exercise(client);
  });

  it('reports the ServerLogout when the gate closes the socket', async () => {
    const running = await gate('tcp');
    const client = track(await connectTcp(running.address, { token: 'tok', gateKeys: [identity.gateKey] }));
    await client.heartbeat();
    running.sessions[0].logout(LogoutCode.LOGOUT_CODE_LOGGED_IN_ELSEWHERE, 'logged in elsewhere');
    const reason = await client.closed;
    expect(reason).toMatchObject({ code: 'LOGGED_OUT', logout: { code: LogoutCode.LOGOUT_CODE_LOGGED_IN_ELSEWHERE } });
    expect(reason.wsCloseCode).toBeUndefined();
  });

  it('fails with CONNECT_FAILED when nothing listens', async () => {
    const port = await closedPort();
    await expect(connectTcp(`127.0.0.1:${port}`, { token: 't', gateKeys: [identity.gateKey] })).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
  });

  it('parses host:port gate addresses, IPv6 in brackets', () => {
    expect(parseTcpAddress('127.0.0.1:17200')).toEqual({ host: '127.0.0.1', port: 17200 });
    expect(parseTcpAddress('[::1]:17200')).toEqual({ host: '::1', port: 17200 });
    expect(() => parseTcpAddress('gate.example')).toThrow(TypeError);
    expect(() => parseTcpAddress('gate:70000')).toThrow(TypeError);
  });
});

describe('connectWithToken', () => {
  function grant(ws: RunningGate | undefined, tcp: RunningGate | undefined): TokenGrant {
    return { token: 'granted', token_expires_at: Date.now() + 60_000, gates: { ws: ws ? [ws.url] : [], tcp: tcp ? [tcp.url] : [] }, gate_keys: [identity.gateKey] };
  }

  it('connects to the first ws gate by default and to the first tcp gate on request', async () => {
    const [ws, tcp] = [await gate('ws'), await gate('tcp')];
    const viaWs = track(await connectWithToken(grant(ws, tcp)));
    const viaTcp = track(await connectWithToken(grant(ws, tcp), { transport: 'tcp' }));
    expect([viaWs.transportKind, viaTcp.transportKind]).toEqual(['websocket', 'tcp']);
    expect(ws.sessions[0].clientHello!.token).toBe('granted');
    expect(tcp.sessions[0].clientHello!.token).toBe('granted');
  });

  it('says which gate list is empty', async () => {
    await expect(connectWithToken(grant(undefined, undefined))).rejects.toThrow(/no ws gates/);
    await expect(browserEntry.connectWithToken(grant(undefined, undefined))).rejects.toThrow(/no ws gates/);
  });
});

/** A loopback port that was free a moment ago and has nothing listening. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
