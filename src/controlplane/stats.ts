// GET /stats/connections: totals, per worker, per transport and per color.
import type { WorkerCounters } from '../gen/pantheon/gate/v1/ring.js';
import type { SessionDirectory } from './session-directory.js';

export type WorkerCountersView = WorkerCounters;

export function connectionStats(counters: Map<number, WorkerCountersView>, directory: SessionDirectory) {
  const perWorker = [...counters.values()]
    .sort((a, b) => a.worker - b.worker)
    .map((c) => ({
      worker: c.worker,
      connections: c.connectionsWs + c.connectionsTcp,
      ws: c.connectionsWs,
      tcp: c.connectionsTcp,
      sessions: c.sessions,
      handshakes_ok: Number(c.handshakesOk),
      handshakes_failed: Number(c.handshakesFailed),
      packets_in: Number(c.packetsIn),
      packets_out: Number(c.packetsOut),
      protocol_errors: Number(c.protocolErrors),
    }));
  return {
    total: perWorker.reduce((sum, w) => sum + w.connections, 0),
    sessions: directory.size,
    per_worker: perWorker,
    per_transport: {
      ws: perWorker.reduce((sum, w) => sum + w.ws, 0),
      tcp: perWorker.reduce((sum, w) => sum + w.tcp, 0),
    },
    per_color: directory.countBy('color'),
  };
}
