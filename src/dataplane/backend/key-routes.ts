// One worker's view of where keyed objects live (gate.keyed_modules: a room
// id in Packet.obj -> the instance holding the room), and which sessions wait
// for the control plane to say. Bookkeeping only: it never sends a packet.
import type { GateSession } from '../session.js';

/** A worker re-asks the control plane where a key lives this often; each ask extends the shared record's TTL while members use it. */
const KEY_RECHECK_MS = 30_000;

interface KeyRoute {
  instanceId: string;
  checkedAt: number;
}

interface KeyWait {
  askedAt: number;
  sessions: Set<GateSession>;
}

export class KeyRoutes {
  /** "<service>:<key>" -> the instance holding it, as this worker last heard. */
  private readonly known = new Map<string, KeyRoute>();
  private readonly waits = new Map<string, KeyWait>();

  /** The instance holding `id` if heard recently and `usable` (live, not ejected); otherwise forgets it. */
  holder(id: string, now: number, usable: (instanceId: string) => boolean): string | null {
    const route = this.known.get(id);
    if (route && now - route.checkedAt < KEY_RECHECK_MS && usable(route.instanceId)) return route.instanceId;
    this.known.delete(id);
    return null;
  }

  remember(id: string, instanceId: string, now: number): void {
    this.known.set(id, { instanceId, checkedAt: now });
  }

  /**
   * Adds `session` to those waiting for `id`; true when the control plane must
   * be asked: nobody asked yet, or the last answer is overdue (the sweep has
   * failed the packets that waited for it).
   */
  await(id: string, session: GateSession, now: number, routeTimeoutMs: number): boolean {
    const wait = this.waits.get(id);
    if (wait && now - wait.askedAt <= routeTimeoutMs) {
      wait.sessions.add(session);
      return false;
    }
    this.waits.set(id, { askedAt: now, sessions: new Set([session]) });
    return true;
  }

  /** The sessions that waited for `id`'s answer; they wait no more. */
  answered(id: string): Set<GateSession> {
    const wait = this.waits.get(id);
    this.waits.delete(id);
    return wait?.sessions ?? new Set();
  }
}
