// PantheonClient behaviour over an in-memory connection to the in-test gate
// (which uses the gate's own crypto): requests, pushes, heartbeats, inflate,
// closing, and what happens to a tampered or replayed frame.
import { deflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { HeartbeatReply, LogoutCode, Module, Packet, PacketCode, SystemSeq } from '../../src/gen/pantheon/client/v1/packet.js';
import { toHex } from '../../src/protocol/bytes.js';
import { PantheonClient, type ClientOptions } from '../../src/sdk/client.js';
import { ConnectionClosedError, RequestError, RequestTimeoutError } from '../../src/sdk/errors.js';
import { inflateWithDecompressionStream, type Inflate } from '../../src/sdk/inflate.js';
import { inflateWithZlib } from '../../src/sdk/node.js';
import { createGateIdentity, memoryConnection, type TestGateOptions, type TestGateSession } from './helpers/test-gate.js';

const identity = createGateIdentity();
const text = (value: string) => new TextEncoder().encode(value);
const clients: PantheonClient[] = [];

async function connected(gateOptions: Omit<TestGateOptions, 'identity'> = {}, clientOptions: Partial<ClientOptions> = {}): Promise<{ client: PantheonClient; gate: TestGateSession }> {
  const { transport, gate } = memoryConnection({ identity, ...gateOptions });
  const client = await PantheonClient.connect(transport, { token: 'tok', gateKeys: [identity.gateKey], inflate: inflateWithZlib, ...clientOptions });
  clients.push(client);
  return { client, gate };
}

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

describe('PantheonClient requests', () => {
  it('matches concurrent responses to their requests by index, starting at 1', async () => {
    const { client, gate } = await connected();
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => client.request(Module.MODULE_ECHO, 1, text(`echo ${i}`))));
    replies.forEach((reply, i) => {
      expect(new TextDecoder().decode(reply.data)).toBe(`echo ${i}`);
      expect(reply.index).toBe(i + 1);
      expect(reply.code).toBe(PacketCode.PACKET_CODE_OK);
    });
    expect(gate.received.map((p) => p.index)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('exposes the ServerHello and session id', async () => {
    const { client, gate } = await connected({ heartbeatIntervalMs: 5000 });
    expect(client.serverHello.heartbeatIntervalMs).toBe(5000);
    expect(toHex(client.sessionId)).toBe(toHex(gate.serverHello!.sessionId));
    expect(client.isOpen).toBe(true);
  });

  it('sends obj and data_version and never compresses', async () => {
    const { client, gate } = await connected();
    await client.request(Module.MODULE_ECHO, 1, text('x'.repeat(5000)), { obj: 42n, dataVersion: 7n });
    expect(gate.received[0]).toMatchObject({ obj: 42n, dataVersion: 7n, compressed: false });
  });

  it('rejects with RequestError carrying the packet code, and the connection stays open', async () => {
    const { client } = await connected();
    const error = await client.request(999, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({ code: PacketCode.PACKET_CODE_UNKNOWN_MODULE, mod: 999, seq: 1 });
    expect(new TextDecoder().decode((await client.request(Module.MODULE_ECHO, 1, text('still here'))).data)).toBe('still here');
  });

  it('rejects with RequestTimeoutError and drops the late answer', async () => {
    let hold: Packet | undefined;
    const { client, gate } = await connected({ onPacket: (packet) => (packet.mod === 100 ? ((hold = packet), null) : undefined) });
    await expect(client.request(100, 1, text('slow'), { timeoutMs: 30 })).rejects.toBeInstanceOf(RequestTimeoutError);
    gate.send({ mod: 100, seq: 1, index: hold!.index, data: text('late') });
    expect(new TextDecoder().decode((await client.request(Module.MODULE_ECHO, 1, text('next'))).data)).toBe('next');
  });

  it('wraps the request index after 2^32-1, skipping 0', async () => {
    const { client, gate } = await connected();
    (client as unknown as { lastIndex: number }).lastIndex = 0xffff_fffe;
    await client.request(Module.MODULE_ECHO, 1);
    await client.request(Module.MODULE_ECHO, 1);
    expect(gate.received.map((p) => p.index)).toEqual([0xffff_ffff, 1]);
  });

  it('refuses locally a request over the gate\'s max_frame_bytes', async () => {
    const { client, gate } = await connected({ maxFrameBytes: 1024 });
    await expect(client.request(Module.MODULE_ECHO, 1, new Uint8Array(2000))).rejects.toThrow(/at most 1024/);
    await client.request(Module.MODULE_ECHO, 1, new Uint8Array(900)); // the sealer counter did not move
    expect(gate.received).toHaveLength(1);
  });

  it('heartbeat() returns the gate\'s clock', async () => {
    const { client } = await connected();
    const before = BigInt(Date.now());
    const beat = await client.heartbeat();
    expect(beat.serverTimeMs).toBeGreaterThanOrEqual(before);
    expect(beat.roundTripMs).toBeGreaterThanOrEqual(0);
  });

  it('works with a plaintext dev gate when allowPlaintext is set', async () => {
    const { client, gate } = await connected({ encrypted: false }, { allowPlaintext: true });
    expect(gate.keys).toBeUndefined();
    expect(new TextDecoder().decode((await client.request(Module.MODULE_ECHO, 1, text('clear'))).data)).toBe('clear');
  });
});

describe('PantheonClient pushes', () => {
  it('delivers pushes in order, including those that arrived before the first subscriber', async () => {
    const { client, gate } = await connected();
    gate.push(100, 1, text('early'));
    await client.request(Module.MODULE_ECHO, 1); // the early push has certainly arrived
    const seen: string[] = [];
    client.onPush((packet) => seen.push(`${packet.mod}/${packet.seq}:${new TextDecoder().decode(packet.data)}`));
    gate.push(100, 2, text('late'));
    await client.request(Module.MODULE_ECHO, 1);
    expect(seen).toEqual(['100/1:early', '100/2:late']);
  });

  it('stops delivering after unsubscribe', async () => {
    const { client, gate } = await connected();
    const seen: number[] = [];
    const unsubscribe = client.onPush((packet) => seen.push(packet.seq));
    gate.push(100, 1, text('a'));
    await client.request(Module.MODULE_ECHO, 1);
    unsubscribe();
    client.onPush(() => undefined);
    gate.push(100, 2, text('b'));
    await client.request(Module.MODULE_ECHO, 1);
    expect(seen).toEqual([1]);
  });
});

describe('PantheonClient inflate', () => {
  const big = text('compressible '.repeat(400));

  it.each([
    ['node:zlib', inflateWithZlib],
    ['DecompressionStream', inflateWithDecompressionStream],
  ] as [string, Inflate][])('inflates compressed responses and pushes with %s, keeping arrival order', async (_name, inflate) => {
    const { client, gate } = await connected({ compressAtBytes: 1024 }, { inflate });
    const order: string[] = [];
    client.onPush((packet) => order.push(`push ${packet.compressed ? 'z' : 'plain'} ${packet.data.length}`));
    gate.push(100, 1, big);
    gate.push(100, 2, text('small'));
    const reply = await client.request(Module.MODULE_ECHO, 1, big);
    expect(reply.compressed).toBe(true);
    expect(reply.data).toEqual(big);
    expect(order).toEqual([`push z ${big.length}`, 'push plain 5']);
  });

  it('closes with PROTOCOL_ERROR on data that does not inflate', async () => {
    const { client, gate } = await connected();
    gate.send({ mod: 100, seq: 1, data: text('not zlib'), compressed: true });
    const reason = await client.closed;
    expect(reason.code).toBe('PROTOCOL_ERROR');
  });

  it.each([
    ['node:zlib', inflateWithZlib],
    ['DecompressionStream', inflateWithDecompressionStream],
  ] as [string, Inflate][])('refuses data inflating past maxInflatedBytes with %s', async (_name, inflate) => {
    await expect(inflate(deflateSync(new Uint8Array(100_000)), 50_000)).rejects.toMatchObject({ code: 'INFLATE_LIMIT' });
    const { client, gate } = await connected({}, { inflate, maxInflatedBytes: 50_000 });
    gate.send({ mod: 100, seq: 1, data: deflateSync(new Uint8Array(100_000)), compressed: true });
    expect((await client.closed).message).toMatch(/exceeds 50000 bytes/);
  });
});

describe('PantheonClient heartbeats', () => {
  it('sends heartbeats every heartbeat_interval_ms', async () => {
    const { gate } = await connected({ heartbeatIntervalMs: 40 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const beats = gate.received.filter((p) => p.mod === Module.MODULE_SYSTEM && p.seq === SystemSeq.SYSTEM_SEQ_HEARTBEAT);
    expect(beats.length).toBeGreaterThanOrEqual(2);
  });

  it('does not send heartbeats with autoHeartbeat off', async () => {
    const { gate } = await connected({ heartbeatIntervalMs: 20 }, { autoHeartbeat: false });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(gate.received).toHaveLength(0);
  });

  it('closes with HEARTBEAT_TIMEOUT after 3 silent intervals', async () => {
    const { client } = await connected({ heartbeatIntervalMs: 20, onPacket: () => null });
    const reason = await client.closed;
    expect(reason.code).toBe('HEARTBEAT_TIMEOUT');
  });

  it('decodes heartbeat replies as HeartbeatReply', async () => {
    const { client } = await connected({ onPacket: (p) => (p.mod === Module.MODULE_SYSTEM ? { data: HeartbeatReply.encode({ serverTimeMs: 123n }).finish() } : undefined) });
    expect((await client.heartbeat()).serverTimeMs).toBe(123n);
  });
});

describe('PantheonClient closing', () => {
  it('rejects pending requests with ConnectionClosedError when the client closes', async () => {
    const { client } = await connected({ onPacket: () => null });
    const pending = client.request(Module.MODULE_ECHO, 1);
    client.close();
    await expect(pending).rejects.toMatchObject({ name: 'ConnectionClosedError', code: 'CLOSED_BY_CLIENT' });
    await expect(client.request(Module.MODULE_ECHO, 1)).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(client.isOpen).toBe(false);
  });

  it('reports the ServerLogout code and reason, as a push and in the close reason', async () => {
    const { client, gate } = await connected({ onPacket: () => null });
    const pushes: number[] = [];
    client.onPush((packet) => pushes.push(packet.seq));
    const closes: ConnectionClosedError[] = [];
    client.onClose((reason) => closes.push(reason));
    const pending = client.request(Module.MODULE_ECHO, 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    gate.logout(LogoutCode.LOGOUT_CODE_KICKED, 'operator kick');
    const reason = await client.closed;
    expect(reason).toMatchObject({ code: 'LOGGED_OUT', logout: { code: LogoutCode.LOGOUT_CODE_KICKED, reason: 'operator kick' } });
    await expect(pending).rejects.toBe(reason);
    expect(pushes).toEqual([SystemSeq.SYSTEM_SEQ_SERVER_LOGOUT]);
    expect(closes).toEqual([reason]);
  });

  it('reports CLOSED_BY_SERVER when the gate hangs up without a logout', async () => {
    const { client, gate } = await connected();
    gate.close();
    expect((await client.closed).code).toBe('CLOSED_BY_SERVER');
  });

  it('closes with PROTOCOL_ERROR on a frame with a flipped bit', async () => {
    const { client, gate } = await connected();
    const frame = gate.seal(Packet.encode(Packet.fromPartial({ mod: 100, seq: 1, data: text('x') })).finish());
    frame[3] ^= 0x10;
    gate.sendRaw(frame);
    const reason = await client.closed;
    expect(reason.code).toBe('PROTOCOL_ERROR');
    expect(reason.message).toMatch(/failed to authenticate/);
  });

  it('closes with PROTOCOL_ERROR on a replayed frame', async () => {
    const { client, gate } = await connected();
    const seen: number[] = [];
    client.onPush((packet) => seen.push(packet.seq));
    const frame = gate.seal(Packet.encode(Packet.fromPartial({ mod: 100, seq: 1 })).finish());
    gate.sendRaw(frame);
    gate.sendRaw(frame);
    expect((await client.closed).code).toBe('PROTOCOL_ERROR');
    expect(seen).toEqual([1]);
  });

  it('calls onClose immediately for a client that is already closed', async () => {
    const { client } = await connected();
    client.close();
    const reason = await new Promise<ConnectionClosedError>((resolve) => client.onClose(resolve));
    expect(reason.code).toBe('CLOSED_BY_CLIENT');
  });
});
