// Inbound backpressure toward one backend instance: past the high-water mark
// of requests in flight to it, the sessions sending there stop being read
// (TCP: the kernel buffer fills and flow control pushes back on the client;
// WebSocket: the data plane sheds, see ClientConnection.shedding); below
// half of it they are read again. Nothing is buffered without limit.
import type { GateSession } from '../session.js';

export class InflightGauge {
  private readonly inflight = new Map<string, number>();
  private readonly paused = new Map<string, Set<GateSession>>();

  constructor(private readonly highWater: () => number) {}

  /** `session` sent (delta 1) or got an answer / gave up on (delta -1) a request to `instanceId`. */
  count(instanceId: string, delta: number, session: GateSession): void {
    const count = (this.inflight.get(instanceId) ?? 0) + delta;
    this.inflight.set(instanceId, count);
    const highWater = this.highWater();
    if (delta > 0 && count >= highWater) {
      let paused = this.paused.get(instanceId);
      if (!paused) this.paused.set(instanceId, (paused = new Set()));
      if (!paused.has(session)) {
        paused.add(session);
        session.connection.pauseReading();
      }
    } else if (delta < 0 && count <= highWater / 2) {
      const paused = this.paused.get(instanceId);
      if (!paused) return;
      this.paused.delete(instanceId);
      for (const waiting of paused) waiting.connection.resumeReading();
    }
  }

  /** The session no longer sends to `instanceId` (route closed or session gone). */
  forget(instanceId: string, session: GateSession): void {
    this.paused.get(instanceId)?.delete(session);
  }
}
