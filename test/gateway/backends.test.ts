// The gate and stalled or failing Roma instances: inbound backpressure,
// circuit breaking with re-placement, and a drain that loses no in-flight
// request. Roma is stalled for real with SIGSTOP.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EchoSeq, LogoutCode, Module, PacketCode, type ConnectionClosedError } from '../../src/sdk/node.js';
import { RomaAdminClient, type ListRomaSessionsResponse } from '../../src/gen/pantheon/roma/v1/tunnel.js';
import { createTestCluster, deepMerge, type TestCluster } from '../harness/cluster.js';
import { freePorts } from '../harness/ports.js';
import { startService, type ServiceProcess } from '../harness/processes.js';
import { newPlayer, rawSession } from '../harness/player.js';

const ECHO = { mod: Module.MODULE_ECHO, seq: EchoSeq.ECHO_SEQ_ECHO };
const text = (s: string) => new TextEncoder().encode(s);

function romaSessions(port: number): Promise<ListRomaSessionsResponse> {
  const client = new RomaAdminClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise((resolve, reject) =>
    client.listSessions({}, (error, response) => {
      client.close();
      if (error) reject(error);
      else resolve(response);
    }),
  );
}

describe('a stalled Roma', () => {
  let cluster: TestCluster;
  let stopped = false;
  beforeAll(async () => {
    cluster = await createTestCluster({
      services: ['roma', 'lares', 'gate'],
      overrides: { gate: { workers: 1, backend_timeout_ms: 20_000, drain_grace_ms: 8_000, limits: { backend_inflight_high_water: 16 } } },
    });
  });
  afterEach(() => {
    if (stopped) process.kill(cluster.processes.roma!.pid, 'SIGCONT');
    stopped = false;
  });
  afterAll(async () => cluster?.stop());

  const stallRoma = () => {
    process.kill(cluster.processes.roma!.pid, 'SIGSTOP');
    stopped = true;
  };
  const resumeRoma = () => {
    process.kill(cluster.processes.roma!.pid, 'SIGCONT');
    stopped = false;
  };

  it('stops reading a TCP session past the in-flight high-water mark and loses nothing', async () => {
    const player = await newPlayer(cluster);
    const session = await rawSession(await player.grant(), 'tcp');
    session.sendBody(session.sealPacket({ ...ECHO, index: 1, data: text('warm up') }));
    await expect.poll(() => session.received.length).toBe(1);
    stallRoma();
    for (let index = 2; index <= 101; index++) session.sendBody(session.sealPacket({ ...ECHO, index, data: text(`#${index}`) }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(session.received).toHaveLength(1); // nothing shed, nothing answered: reading is paused
    resumeRoma();
    await expect.poll(() => session.received.length, { timeout: 10_000 }).toBe(101);
    expect(session.received.map((p) => p?.code)).toEqual(Array(101).fill(0));
    expect(session.received.slice(1).map((p) => new TextDecoder().decode(p!.data))).toEqual(Array.from({ length: 100 }, (_, i) => `#${i + 2}`));
    session.close();
  });

  it('sheds WebSocket requests past the high-water mark (uWS cannot pause reading) without buffering them', async () => {
    const player = await newPlayer(cluster);
    const session = await rawSession(await player.grant(), 'ws');
    session.sendBody(session.sealPacket({ ...ECHO, index: 1, data: text('warm up') }));
    await expect.poll(() => session.received.length).toBe(1);
    stallRoma();
    for (let index = 2; index <= 41; index++) session.sendBody(session.sealPacket({ ...ECHO, index, data: text(`#${index}`) }));
    await expect.poll(() => session.received.length).toBeGreaterThan(1);
    const shed = session.received.slice(1).filter((p) => p?.code === PacketCode.PACKET_CODE_RATE_LIMITED).length;
    expect(shed).toBeGreaterThan(0);
    resumeRoma();
    await expect.poll(() => session.received.length, { timeout: 10_000 }).toBe(41);
    expect(session.received.filter((p) => p?.code === 0).length).toBe(41 - shed);
    session.close();
  });

  it('drains on SIGTERM: answers every in-flight request, then ServerLogout(SERVER_SHUTDOWN), then exits 0', async () => {
    const player = await newPlayer(cluster);
    const client = await player.connect('ws');
    await client.request(ECHO.mod, ECHO.seq, text('route me'));
    stallRoma();
    const inflight = [1, 2, 3, 4, 5].map((i) => client.request(ECHO.mod, ECHO.seq, text(`in flight ${i}`)));
    const closed = new Promise<ConnectionClosedError>((resolve) => client.onClose(resolve));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const gate = cluster.processes.gate!;
    const exited = gate.stop(20_000);
    await gate.waitForLog((line) => line.event === 'stopping');
    await new Promise((resolve) => setTimeout(resolve, 500));
    resumeRoma();
    const replies = await Promise.all(inflight);
    expect(replies.map((r) => new TextDecoder().decode(r.data))).toEqual([1, 2, 3, 4, 5].map((i) => `in flight ${i}`));
    const reason = await closed;
    expect(reason.code).toBe('LOGGED_OUT');
    expect(reason.logout?.code).toBe(LogoutCode.LOGOUT_CODE_SERVER_SHUTDOWN);
    expect(await exited).toBe(0);
  });
});

describe('circuit breaking', () => {
  let cluster: TestCluster;
  let second: ServiceProcess;
  let secondPort: number;

  beforeAll(async () => {
    const [grpc, http] = await freePorts(2);
    secondPort = grpc;
    cluster = await createTestCluster({
      services: [],
      overrides: { gate: { workers: 1, backend_timeout_ms: 300, circuit: { consecutive_failures: 2, eject_ms: 30_000 } } },
    });
    cluster.config.registry.roma.push({ id: 'roma-2', grpc_address: `127.0.0.1:${grpc}` });
    cluster.writeConfig();
    const secondConfig = join(cluster.dir, 'roma-2.yaml');
    writeFileSync(secondConfig, stringify(deepMerge(cluster.config, { roma: { id: 'roma-2', grpc: { port: grpc }, http: { port: http } } })));
    await cluster.start('roma');
    second = await startService('roma', secondConfig);
    await cluster.start('lares');
    await cluster.start('gate');
  });
  afterAll(async () => {
    for (const p of [cluster.processes.roma, second]) if (p) process.kill(p.pid, 'SIGCONT');
    await second?.stop();
    await cluster?.stop();
  });

  it('ejects an instance that keeps timing out and re-places its sessions on another', async () => {
    const player = await newPlayer(cluster);
    const client = await player.connect('tcp');
    await client.request(ECHO.mod, ECHO.seq, text('placed'));
    const onFirst = (await romaSessions(cluster.ports.romaGrpc)).sessions.length === 1;
    const stalled = onFirst ? cluster.processes.roma! : second;
    process.kill(stalled.pid, 'SIGSTOP');
    for (let i = 0; i < 2; i++) {
      const error = await client.request(ECHO.mod, ECHO.seq, text('to a stalled instance')).catch((e: { code: number }) => e);
      expect((error as { code: number }).code).toBe(PacketCode.PACKET_CODE_SERVICE_UNAVAILABLE);
    }
    await cluster.processes.gate!.waitForLog((line) => line.event === 'instance_ejected');
    const reply = await client.request(ECHO.mod, ECHO.seq, text('re-placed'));
    expect(new TextDecoder().decode(reply.data)).toBe('re-placed');
    const healthyPort = onFirst ? secondPort : cluster.ports.romaGrpc;
    expect((await romaSessions(healthyPort)).sessions.map((s) => s.accountId.toString())).toContain(player.accountId);
    process.kill(stalled.pid, 'SIGCONT');
    client.close();
  });
});

