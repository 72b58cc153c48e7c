// Roma end to end: a real Roma process (dist/roma.js) driven over its gRPC
// Tunnel the way a gate worker drives it, plus RomaAdmin and /health.
import { credentials, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PacketCode } from '../../src/gen/pantheon/client/v1/packet.js';
import { EnvelopeKind, RomaAdminClient, type ListRomaSessionsResponse, type PushToSessionResponse } from '../../src/gen/pantheon/roma/v1/tunnel.js';
import { toHex } from '../../src/protocol/bytes.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { echoRequest, envelope, GateWorker, newSessionId, sameBytes, sessionClose, sessionOpen, StuckGate, text } from './gate-worker.js';

let cluster: TestCluster;
let romaAddress: string;
let admin: RomaAdminClient;
const workers: GateWorker[] = [];

function openWorker(): GateWorker {
  const worker = new GateWorker(romaAddress);
  workers.push(worker);
  return worker;
}

function listSessions(): Promise<ListRomaSessionsResponse> {
  return new Promise((resolve, reject) => admin.listSessions({}, (error, response) => (error ? reject(error) : resolve(response))));
}

function pushToSession(sessionId: Uint8Array, mod: number, seq: number, data: Uint8Array): Promise<PushToSessionResponse> {
  return new Promise((resolve, reject) => admin.pushToSession({ sessionId, mod, seq, data }, (error, response) => (error ? reject(error) : resolve(response))));
}

async function listedSessionIds(): Promise<string[]> {
  return (await listSessions()).sessions.map((s) => toHex(s.sessionId));
}

async function health(): Promise<{ status: string; sessions: number; streams: number }> {
  const response = await fetch(`http://127.0.0.1:${cluster.ports.romaHttp}/health`);
  return (await response.json()) as { status: string; sessions: number; streams: number };
}

/** Retries `read` until `accept` holds: session drops happen when Roma notices the stream end. */
async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  cluster = await createTestCluster({ services: ['roma'] });
  romaAddress = `127.0.0.1:${cluster.ports.romaGrpc}`;
  admin = new RomaAdminClient(romaAddress, credentials.createInsecure());
});

afterAll(async () => {
  for (const worker of workers) worker.close();
  admin?.close();
  await cluster?.stop();
});

describe('Roma tunnel', () => {
  it('answers echo requests of two interleaved sessions with the same index, data and code OK', async () => {
    const gate = openWorker();
    const [a, b] = [newSessionId(), newSessionId()];
    gate.send(sessionOpen(a, 101n), sessionOpen(b, 102n), echoRequest(a, 1, text('a1')), echoRequest(b, 1, text('b1')));
    gate.send(echoRequest(b, 2, text('b2')), echoRequest(a, 2, text('a2')));
    await gate.untilReceived(4);

    for (const [session, name] of [[a, 'a'], [b, 'b']] as const) {
      const responses = gate.responsesFor(session);
      expect(responses.map((r) => [r.index, new TextDecoder().decode(r.data), r.code, r.mod, r.seq])).toEqual([
        [1, `${name}1`, PacketCode.PACKET_CODE_OK, 2, 1],
        [2, `${name}2`, PacketCode.PACKET_CODE_OK, 2, 1],
      ]);
    }
  });

  it("keeps each session's responses in request order under many requests, batched per turn", async () => {
    const gate = openWorker();
    const sessions = [newSessionId(), newSessionId()];
    gate.send(...sessions.map((id, i) => sessionOpen(id, BigInt(200 + i))));
    const perSession = 500;
    for (let index = 1; index <= perSession; index += 10) {
      const batch = [];
      for (let k = index; k < index + 10; k++) for (const id of sessions) batch.push(echoRequest(id, k, text(`${toHex(id)}:${k}`)));
      gate.send(...batch);
    }
    await gate.untilReceived(perSession * sessions.length);

    for (const id of sessions) {
      const responses = gate.responsesFor(id);
      expect(responses.map((r) => r.index)).toEqual(Array.from({ length: perSession }, (_, i) => i + 1));
      expect(responses.every((r) => r.code === PacketCode.PACKET_CODE_OK && new TextDecoder().decode(r.data) === `${toHex(id)}:${r.index}`)).toBe(true);
    }
    // One TunnelBatch per turn, not one per response.
    expect(gate.batchesReceived).toBeLessThan(perSession);
  });

  it('answers an unknown module with UNKNOWN_MODULE and an unknown seq with UNKNOWN_SEQ', async () => {
    const gate = openWorker();
    const id = newSessionId();
    gate.send(sessionOpen(id, 300n), echoRequest(id, 1, text('x'), { mod: 4242 }), echoRequest(id, 2, text('y'), { seq: 99 }), echoRequest(id, 3, text('z')));
    await gate.untilReceived(3);
    expect(gate.responsesFor(id).map((r) => [r.index, r.code, r.mod, r.seq])).toEqual([
      [1, PacketCode.PACKET_CODE_UNKNOWN_MODULE, 4242, 1],
      [2, PacketCode.PACKET_CODE_UNKNOWN_SEQ, 2, 99],
      [3, PacketCode.PACKET_CODE_OK, 2, 1],
    ]);
  });

  it('serves two streams at the same time, each receiving only its own sessions', async () => {
    const [first, second] = [openWorker(), openWorker()];
    const [a, b] = [newSessionId(), newSessionId()];
    first.send(sessionOpen(a, 401n));
    second.send(sessionOpen(b, 402n));
    for (let i = 1; i <= 50; i++) {
      first.send(echoRequest(a, i, text(`first-${i}`)));
      second.send(echoRequest(b, i, text(`second-${i}`)));
    }
    await Promise.all([first.untilReceived(50), second.untilReceived(50)]);
    expect(first.received.every((e) => sameBytes(e.sessionId, a))).toBe(true);
    expect(second.received.every((e) => sameBytes(e.sessionId, b))).toBe(true);
    expect(second.responsesFor(b).map((r) => new TextDecoder().decode(r.data))).toEqual(Array.from({ length: 50 }, (_, i) => `second-${i + 1}`));
  });

  it('answers BAD_REQUEST to a request for an unknown session without account_id and keeps serving', async () => {
    const gate = openWorker();
    const stranger = newSessionId();
    const known = newSessionId();
    gate.send(
      echoRequest(stranger, 7, text('who am i')),
      echoRequest(new Uint8Array(0), 8, text('no id at all')),
      envelope({ kind: EnvelopeKind.ENVELOPE_KIND_RESPONSE, sessionId: stranger, index: 9 }),
      envelope({ kind: 77 as EnvelopeKind, sessionId: stranger }),
      sessionOpen(known, 501n),
      echoRequest(known, 1, text('still here')),
    );
    await gate.untilReceived(3);
    expect(gate.responsesFor(stranger).map((r) => [r.index, r.code])).toEqual([[7, PacketCode.PACKET_CODE_BAD_REQUEST]]);
    expect(gate.received.find((r) => r.index === 8)?.code).toBe(PacketCode.PACKET_CODE_BAD_REQUEST);
    expect(gate.responsesFor(known).map((r) => [r.index, r.code])).toEqual([[1, PacketCode.PACKET_CODE_OK]]);
    expect(await listedSessionIds()).not.toContain(toHex(stranger));
  });

  it('opens a session implicitly when its first request carries an account_id', async () => {
    const gate = openWorker();
    const id = newSessionId();
    gate.send(echoRequest(id, 1, text('hello'), { accountId: 601n, color: 'blue', gateId: 'gate-9' }));
    await gate.untilReceived(1);
    expect(gate.responsesFor(id).map((r) => r.code)).toEqual([PacketCode.PACKET_CODE_OK]);
    const listed = (await listSessions()).sessions.find((s) => sameBytes(s.sessionId, id));
    expect(listed).toMatchObject({ accountId: 601n, color: 'blue', gateId: 'gate-9' });
  });
});

describe('RomaAdmin', () => {
  it('lists the sessions of every stream with account, color and gate id', async () => {
    const [first, second] = [openWorker(), openWorker()];
    const [a, b] = [newSessionId(), newSessionId()];
    first.send(sessionOpen(a, 701n, { color: 'red', gateId: 'gate-a' }));
    second.send(sessionOpen(b, 702n, { color: 'green', gateId: 'gate-b' }));
    const listed = await eventually(listSessions, (r) => [a, b].every((id) => r.sessions.some((s) => sameBytes(s.sessionId, id))));
    expect(listed.sessions.find((s) => sameBytes(s.sessionId, a))).toMatchObject({ accountId: 701n, color: 'red', gateId: 'gate-a' });
    expect(listed.sessions.find((s) => sameBytes(s.sessionId, b))).toMatchObject({ accountId: 702n, color: 'green', gateId: 'gate-b' });
  });

  it('pushes to the stream that carries the session, with index 0', async () => {
    const [carrier, bystander] = [openWorker(), openWorker()];
    const id = newSessionId();
    const other = newSessionId();
    carrier.send(sessionOpen(id, 801n));
    bystander.send(sessionOpen(other, 802n));
    await eventually(listedSessionIds, (ids) => ids.includes(toHex(id)) && ids.includes(toHex(other)));

    expect(await pushToSession(id, 2, 1, text('server says hi'))).toEqual({ delivered: true });
    await carrier.untilReceived(1);
    const push = carrier.received[0];
    expect(push).toMatchObject({ kind: EnvelopeKind.ENVELOPE_KIND_PUSH, index: 0, mod: 2, seq: 1 });
    expect(sameBytes(push.sessionId, id)).toBe(true);
    expect(new TextDecoder().decode(push.data)).toBe('server says hi');
    expect(bystander.received).toEqual([]);
  });

  it('reports delivered=false for a push to an unknown session', async () => {
    expect(await pushToSession(newSessionId(), 2, 1, text('nobody'))).toEqual({ delivered: false });
  });

  it('forgets a session after SESSION_CLOSE', async () => {
    const gate = openWorker();
    const [kept, closed] = [newSessionId(), newSessionId()];
    gate.send(sessionOpen(kept, 901n), sessionOpen(closed, 902n));
    await eventually(listedSessionIds, (ids) => ids.includes(toHex(closed)));
    gate.send(sessionClose(closed));
    const ids = await eventually(listedSessionIds, (list) => !list.includes(toHex(closed)));
    expect(ids).not.toContain(toHex(closed));
    expect(ids).toContain(toHex(kept));
    expect(await pushToSession(closed, 2, 1, text('gone'))).toEqual({ delivered: false });
  });
});

describe('Roma stream lifecycle', () => {
  it('drops every session of a stream the gate ends, and only those', async () => {
    const [ending, staying] = [openWorker(), openWorker()];
    const [a, b, c] = [newSessionId(), newSessionId(), newSessionId()];
    ending.send(sessionOpen(a, 1001n), sessionOpen(b, 1002n));
    staying.send(sessionOpen(c, 1003n));
    await eventually(listedSessionIds, (ids) => [a, b, c].every((id) => ids.includes(toHex(id))));

    ending.end();
    const ids = await eventually(listedSessionIds, (list) => !list.includes(toHex(a)) && !list.includes(toHex(b)));
    expect(ids).not.toContain(toHex(a));
    expect(ids).not.toContain(toHex(b));
    expect(ids).toContain(toHex(c));
    await ending.until(() => ending.ended, 5_000, 'the stream to end');
    await cluster.processes.roma!.waitForLog((line) => line.event === 'tunnel_closed' && line.sessions_dropped === 2, 5_000);
  });

  it('drops the sessions of a stream the gate cancels (a gate worker that died)', async () => {
    const gate = openWorker();
    const id = newSessionId();
    gate.send(sessionOpen(id, 1101n));
    await eventually(listedSessionIds, (ids) => ids.includes(toHex(id)));
    gate.cancel();
    expect(await eventually(listedSessionIds, (ids) => !ids.includes(toHex(id)))).not.toContain(toHex(id));
  });

  it('reports its sessions and streams on GET /health', async () => {
    const before = await health();
    const gate = openWorker();
    gate.send(sessionOpen(newSessionId(), 1201n), sessionOpen(newSessionId(), 1202n));
    const after = await eventually(health, (h) => h.sessions === before.sessions + 2);
    expect(after).toEqual({ status: 'ok', sessions: before.sessions + 2, streams: before.streams + 1 });
  });

  it('closes a stream whose gate stops reading with RESOURCE_EXHAUSTED, and keeps serving other streams', async () => {
    const stuck = new StuckGate(romaAddress);
    const healthy = openWorker();
    const [s, h] = [newSessionId(), newSessionId()];
    healthy.send(sessionOpen(h, 1302n));
    try {
      await stuck.send(sessionOpen(s, 1301n));
      // 100 MiB of echoes never read back: past Roma's 64 MiB outbound queue cap.
      const chunk = new Uint8Array(256 * 1024).fill(7);
      for (let i = 1; i <= 400; i++) await stuck.send(echoRequest(s, i, chunk));
      const overflow = await cluster.processes.roma!.waitForLog((line) => line.event === 'tunnel_overflow', 30_000);
      expect(overflow.sessions).toBe(1);
      expect(await eventually(listedSessionIds, (ids) => !ids.includes(toHex(s)))).not.toContain(toHex(s));

      healthy.send(echoRequest(h, 1, text('unaffected')));
      await healthy.untilReceived(1);
      expect(healthy.responsesFor(h).map((r) => r.code)).toEqual([PacketCode.PACKET_CODE_OK]);

      stuck.resume();
      expect((await stuck.trailers)['grpc-status']).toBe(String(status.RESOURCE_EXHAUSTED));
    } finally {
      stuck.close();
    }
  });
});
