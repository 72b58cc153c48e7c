// Senate end to end: the real Senate process asks every gate in its registry.
// The gates here are small real gRPC servers implementing GateAdmin (the real
// gate is its own process, tested on its own), plus addresses that fail.
import { credentials, Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GateAdminService, type GateSession, type ListSessionsRequest, type ListSessionsResponse } from '../../src/gen/pantheon/gate/v1/admin.js';
import { SenateAdminClient, type ListOnlineSessionsResponse } from '../../src/gen/pantheon/senate/v1/senate.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { freePort } from '../harness/ports.js';

const liveSessions: GateSession[] = [
  { sessionId: new Uint8Array([0xab, 0x01]), accountId: 9_007_199_254_740_993n, color: 'red', transport: 'ws', worker: 0, remoteAddress: '10.0.0.1:5000', openedAtMs: 1_700_000_000_000n },
  { sessionId: new Uint8Array([0xab, 0x02]), accountId: 42n, color: '', transport: 'tcp', worker: 1, remoteAddress: '10.0.0.2:5001', openedAtMs: 1_700_000_000_500n },
];

async function startGateAdmin(answer: (callback: sendUnaryData<ListSessionsResponse>) => void): Promise<{ server: Server; address: string }> {
  const server = new Server();
  server.addService(GateAdminService, {
    listSessions: (_call: ServerUnaryCall<ListSessionsRequest, ListSessionsResponse>, callback: sendUnaryData<ListSessionsResponse>) => answer(callback),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { server, address: `127.0.0.1:${port}` };
}

let cluster: TestCluster;
let liveGate: { server: Server; address: string };
let hungGate: { server: Server; address: string };
let deadAddress: string;
let senate: SenateAdminClient;

beforeAll(async () => {
  liveGate = await startGateAdmin((callback) => callback(null, { gateId: 'gate-live', sessions: liveSessions }));
  // Never answers: Senate must give up on it at its 3 s deadline.
  hungGate = await startGateAdmin(() => undefined);
  deadAddress = `127.0.0.1:${await freePort()}`;
  cluster = await createTestCluster({
    services: ['senate'],
    overrides: {
      registry: {
        gate: [
          { id: 'gate-live', grpc_address: liveGate.address },
          { id: 'gate-dead', grpc_address: deadAddress },
          { id: 'gate-hung', grpc_address: hungGate.address },
        ],
      },
    },
  });
  senate = new SenateAdminClient(`127.0.0.1:${cluster.ports.senateGrpc}`, credentials.createInsecure());
});

afterAll(async () => {
  senate?.close();
  await cluster?.stop();
  liveGate?.server.forceShutdown();
  hungGate?.server.forceShutdown();
});

function listOnlineSessions(): Promise<ListOnlineSessionsResponse> {
  return new Promise((resolve, reject) => senate.listOnlineSessions({}, (error, response) => (error ? reject(error) : resolve(response))));
}

describe('Senate', () => {
  it('aggregates sessions from every gate and reports unreachable and hung gates with an error', async () => {
    const started = Date.now();
    const response = await listOnlineSessions();
    const elapsed = Date.now() - started;

    expect(response.total).toBe(2);
    const [live, dead, hung] = response.gates;
    expect(live).toMatchObject({ gateId: 'gate-live', endpoint: liveGate.address, error: '' });
    const plain = (sessions: GateSession[]) => sessions.map((session) => ({ ...session, sessionId: [...session.sessionId] }));
    expect(plain(live.sessions)).toEqual(plain(liveSessions));

    expect(dead).toMatchObject({ gateId: 'gate-dead', endpoint: deadAddress, sessions: [] });
    expect(dead.error).toMatch(/gate-dead at 127\.0\.0\.1:\d+: UNAVAILABLE/);

    expect(hung).toMatchObject({ gateId: 'gate-hung', sessions: [] });
    expect(hung.error).toMatch(/DEADLINE_EXCEEDED/);
    // The gates are asked in parallel and the hung one is cut off at 3 s.
    expect(elapsed).toBeGreaterThanOrEqual(2_900);
    expect(elapsed).toBeLessThan(6_000);
  });

  it('answers GET /health with status ok', async () => {
    const response = await fetch(`http://127.0.0.1:${cluster.ports.senateHttp}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('serves the aggregate on GET /sessions with hex session ids and decimal int64 strings', async () => {
    const response = await fetch(`http://127.0.0.1:${cluster.ports.senateHttp}/sessions`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { total: number; gates: { gate_id: string; error: string | null; sessions: unknown[] }[] };
    expect(body.total).toBe(2);
    expect(body.gates.map((g) => g.gate_id)).toEqual(['gate-live', 'gate-dead', 'gate-hung']);
    expect(body.gates[0]).toEqual({
      gate_id: 'gate-live',
      endpoint: liveGate.address,
      error: null,
      sessions: [
        { session_id: 'ab01', account_id: '9007199254740993', color: 'red', transport: 'ws', worker: 0, remote_address: '10.0.0.1:5000', opened_at_ms: '1700000000000' },
        { session_id: 'ab02', account_id: '42', color: '', transport: 'tcp', worker: 1, remote_address: '10.0.0.2:5001', opened_at_ms: '1700000000500' },
      ],
    });
    expect(body.gates[1].error).toMatch(/UNAVAILABLE/);
    expect(body.gates[1].sessions).toEqual([]);
  });
});
