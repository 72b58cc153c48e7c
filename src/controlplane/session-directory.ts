// The control plane's view of every open session on this gate, fed by the
// workers' opened/closed ring messages. Serves /stats/connections and
// GateAdmin.ListSessions; later, the player -> gate route records.
import type { GateSession } from '../gen/pantheon/gate/v1/admin.js';
import type { SessionOpened } from '../gen/pantheon/gate/v1/ring.js';

export class SessionDirectory {
  private readonly sessions = new Map<string, GateSession>();

  opened(worker: number, event: SessionOpened): void {
    this.sessions.set(Buffer.from(event.sessionId).toString('hex'), {
      sessionId: event.sessionId,
      accountId: event.accountId,
      color: event.color,
      transport: event.transport,
      worker,
      remoteAddress: event.remoteAddress,
      openedAtMs: event.openedAtMs,
    });
  }

  closed(sessionId: Uint8Array): GateSession | undefined {
    const key = Buffer.from(sessionId).toString('hex');
    const session = this.sessions.get(key);
    this.sessions.delete(key);
    return session;
  }

  /** A worker died: its sessions died with it. */
  dropWorker(worker: number): number {
    let dropped = 0;
    for (const [key, session] of this.sessions) {
      if (session.worker === worker) {
        this.sessions.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  list(): GateSession[] {
    return [...this.sessions.values()];
  }

  get size(): number {
    return this.sessions.size;
  }

  countBy(field: 'color' | 'transport'): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const session of this.sessions.values()) counts[session[field] || 'default'] = (counts[session[field] || 'default'] ?? 0) + 1;
    return counts;
  }
}
