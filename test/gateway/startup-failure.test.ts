// A gate that cannot start must say why and exit 1, not abort. Its data-plane
// workers are already listening (uWS) when a later step fails, and a process
// that exits with uWS handles open dies in Node's loop teardown by signal.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';

function occupy(port: number): Promise<Server> {
  return new Promise((resolveListen, reject) => {
    const server = createServer().once('error', reject);
    server.listen(port, '127.0.0.1', () => resolveListen(server));
  });
}

describe('gate start failure', () => {
  let cluster: TestCluster | undefined;
  let blocker: Server | undefined;

  afterEach(async () => {
    blocker?.close();
    await cluster?.stop();
  });

  for (const [what, portOf, message] of [
    ['gRPC', (c: TestCluster) => c.ports.gateGrpc, /cannot listen for gRPC on 127\.0\.0\.1:\d+/],
    ['admin HTTP', (c: TestCluster) => c.ports.gateAdmin, /EADDRINUSE/],
  ] as const) {
    it(`exits 1 with the reason when its ${what} port is taken, after its workers already listen`, async () => {
      cluster = await createTestCluster({ services: [], overrides: { log: { level: 'debug' } } });
      blocker = await occupy(portOf(cluster));
      const gate = await cluster.start('gate', { noWait: true });
      const code = await gate.exited;
      const stderr = gate.stderr.join('');
      expect(stderr).toMatch(message);
      expect(stderr).not.toMatch(/Assertion failed|uv_loop_close/);
      expect(code).toBe(1);
      // The workers had listened before the failure: the rollback closed their uWS apps.
      expect(gate.lines.some((line) => line.event === 'worker_ready')).toBe(true);
    });
  }
});
