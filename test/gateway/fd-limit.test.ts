// A gate whose open-file limit cannot hold gate.limits.max_connections
// accepts fewer connections and says so, instead of running out of fds: at
// EMFILE every worker's uWS loop spins on the readable listening socket at
// 100% CPU and nobody new gets in.
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionCapFor, FD_RESERVE, openFileLimit } from '../../src/common/fd-limit.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { acceptedConnections, closesSoon, tcpFrom } from '../harness/connections.js';
import type { ServiceProcess } from '../harness/processes.js';

const FD_LIMIT = 400;
const CAP = FD_LIMIT - FD_RESERVE;

describe('connection cap from the fd limit', () => {
  it('reads the soft limit from /proc and lowers only a max_connections it cannot hold', () => {
    expect(openFileLimit()).toBeGreaterThan(0);
    expect(openFileLimit('/nonexistent/limits')).toBeNull();
    expect(connectionCapFor(100, 20_000)).toEqual({ maxConnections: 100 });
    expect(connectionCapFor(100_000, 20_000)).toEqual({ maxConnections: 20_000 - FD_RESERVE, clampedFrom: 100_000 });
    expect(connectionCapFor(100_000, null)).toEqual({ maxConnections: 100_000 });
    expect(connectionCapFor(10, 100)).toEqual({ maxConnections: 1, clampedFrom: 10 });
  });
});

describe(`a gate started with ulimit -n ${FD_LIMIT}`, () => {
  let cluster: TestCluster;
  let gate: ServiceProcess;

  beforeAll(async () => {
    cluster = await createTestCluster({ services: [], overrides: { gate: { limits: { max_connections: 100_000, max_connections_per_ip: 100_000 } } } });
    gate = await cluster.start('gate', { launcher: ['prlimit', `--nofile=${FD_LIMIT}:${FD_LIMIT}`, '--'] });
  });
  afterAll(async () => cluster?.stop());

  it('logs that it caps max_connections and why', async () => {
    const line = await gate.waitForLog((l) => l.event === 'max_connections_clamped');
    expect(line).toMatchObject({ level: 'warn', configured: 100_000, effective: CAP, fd_limit: FD_LIMIT });
    expect(line.msg).toMatch(/ulimit -n/);
  });

  it(`accepts ${CAP} connections, refuses the next, and stays responsive`, async () => {
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < CAP; i++) sockets.push(await tcpFrom('127.0.0.1', cluster.ports.gateTcp));
      await expect.poll(() => acceptedConnections(cluster), { timeout: 10_000 }).toBe(CAP);
      const overflow = await tcpFrom('127.0.0.1', cluster.ports.gateTcp);
      expect(await closesSoon(overflow)).toBe(true);
      expect(sockets.some((socket) => socket.destroyed)).toBe(false);
      const health = await fetch(`http://127.0.0.1:${cluster.ports.gateAdmin}/health`);
      expect(health.status).toBe(200);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });
});
