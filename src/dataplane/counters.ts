// Per-worker counters, sent to the control plane once a second over the ring.
import type { WorkerCounters } from '../gen/pantheon/gate/v1/ring.js';

export class WorkerCounterSet {
  connectionsWs = 0;
  connectionsTcp = 0;
  sessions = 0;
  handshakesOk = 0;
  handshakesFailed = 0;
  packetsIn = 0;
  packetsOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  protocolErrors = 0;

  constructor(private readonly worker: number) {}

  snapshot(): WorkerCounters {
    return {
      worker: this.worker,
      connectionsWs: this.connectionsWs,
      connectionsTcp: this.connectionsTcp,
      sessions: this.sessions,
      handshakesOk: BigInt(this.handshakesOk),
      handshakesFailed: BigInt(this.handshakesFailed),
      packetsIn: BigInt(this.packetsIn),
      packetsOut: BigInt(this.packetsOut),
      bytesIn: BigInt(this.bytesIn),
      bytesOut: BigInt(this.bytesOut),
      protocolErrors: BigInt(this.protocolErrors),
    };
  }
}
