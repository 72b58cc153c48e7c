// The control plane's view of every open session on this gate, fed by the
// workers' opened/closed ring messages. Serves /stats/connections,
// GateAdmin.ListSessions, push delivery (sessions by account), the
// player -> gate records (listeners) and the keep-alive of shared routes.
import type { GateSession } from '../gen/pantheon/gate/v1/admin.js';
import type { SessionOpened } from '../gen/pantheon/gate/v1/ring.js';
import type { ActiveRoute } from './router/router.js';

export interface SessionListener {
  opened(session: GateSession): void;
  /** Closed, or lost with its worker. */
  removed(session: GateSession): void;
}

export class SessionDirectory {
  private readonly sessions = new Map<string, GateSession>();
  /** account id -> hex session ids of its open sessions here. */
  private readonly byAccount = new Map<bigint, Set<string>>();
  /** hex session id -> service -> instance id, as the router placed it. */
  private readonly routes = new Map<string, Map<string, string>>();
  private readonly listeners = new Set<SessionListener>();

  opened(worker: number, event: SessionOpened): void {
    const key = Buffer.from(event.sessionId).toString('hex');
    const session: GateSession = {
      sessionId: event.sessionId,
      accountId: event.accountId,
      color: event.color,
      transport: event.transport,
      worker,
      remoteAddress: event.remoteAddress,
      openedAtMs: event.openedAtMs,
    };
    this.sessions.set(key, session);
    let ofAccount = this.byAccount.get(session.accountId);
    if (!ofAccount) this.byAccount.set(session.accountId, (ofAccount = new Set()));
    ofAccount.add(key);
    for (const listener of this.listeners) listener.opened(session);
  }

  closed(sessionId: Uint8Array): GateSession | undefined {
    return this.remove(Buffer.from(sessionId).toString('hex'));
  }

  /** A worker died: its sessions died with it. */
  dropWorker(worker: number): number {
    let dropped = 0;
    for (const [key, session] of this.sessions) {
      if (session.worker === worker) {
        this.remove(key);
        dropped++;
      }
    }
    return dropped;
  }

  /** The router placed the session on `instanceId` for `service`. */
  routed(sessionId: Uint8Array, service: string, instanceId: string): void {
    const key = Buffer.from(sessionId).toString('hex');
    if (!this.sessions.has(key)) return; // closed while the route was being chosen
    let ofSession = this.routes.get(key);
    if (!ofSession) this.routes.set(key, (ofSession = new Map()));
    ofSession.set(service, instanceId);
  }

  /** Every distinct route open sessions use (several sessions of one account share one). */
  activeRoutes(): ActiveRoute[] {
    const unique = new Map<string, ActiveRoute>();
    for (const [key, ofSession] of this.routes) {
      const session = this.sessions.get(key)!;
      for (const [service, instanceId] of ofSession) {
        unique.set(`${service}:${session.color}:${session.accountId}:${instanceId}`, { service, color: session.color, accountId: session.accountId, instanceId });
      }
    }
    return [...unique.values()];
  }

  /** Open sessions of one account on this gate. */
  sessionsOf(accountId: bigint): GateSession[] {
    return [...(this.byAccount.get(accountId) ?? [])].map((key) => this.sessions.get(key)!);
  }

  /** Accounts with at least one open session here. */
  accountIds(): bigint[] {
    return [...this.byAccount.keys()];
  }

  /** Open sessions matching a broadcast's color filter ("" = all). */
  countColor(color: string): number {
    if (color === '') return this.sessions.size;
    let count = 0;
    for (const session of this.sessions.values()) if (session.color === color) count++;
    return count;
  }

  /** Returns an unsubscribe function. */
  listen(listener: SessionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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

  private remove(key: string): GateSession | undefined {
    const session = this.sessions.get(key);
    if (!session) return undefined;
    this.sessions.delete(key);
    this.routes.delete(key);
    const ofAccount = this.byAccount.get(session.accountId);
    ofAccount?.delete(key);
    if (ofAccount?.size === 0) this.byAccount.delete(session.accountId);
    for (const listener of this.listeners) listener.removed(session);
    return session;
  }
}
