// Every session this Roma instance holds, whichever tunnel stream carries it,
// keyed by session id. It answers "where do I send a push for session X" and
// "who is online here"; it does not read or write streams itself.
import type { Envelope } from '../../gen/pantheon/roma/v1/tunnel.js';
import { toHex } from '../../protocol/bytes.js';
import type { SessionInfo } from './module-api.js';
import { SerialQueue } from './serial-queue.js';
import { pushEnvelope, sessionBindEnvelope } from './tunnel/envelopes.js';

/** The stream a session lives on, as the directory sees it. */
export interface SessionOwner {
  send(envelope: Envelope): void;
  /** The directory moved this session to another owner; stop tracking it. */
  release(session: RomaSession): void;
}

export interface RomaSession {
  /** Replaced (never mutated) when a request shows the gate bound the session to a player since it opened. */
  info: SessionInfo;
  readonly owner: SessionOwner;
  /** Serializes this session's requests. */
  readonly queue: SerialQueue;
  /** Set once the session is closed or dropped: its late responses are discarded. */
  closed: boolean;
}

export interface OutboundPush {
  mod: number;
  seq: number;
  data: Uint8Array;
}

export class SessionDirectory {
  private readonly byId = new Map<string, RomaSession>();

  /** `onClosed` hears about every session that ended (not one moved to another stream): the player runtime logs it out. */
  constructor(private readonly onClosed?: (session: RomaSession) => void) {}

  get size(): number {
    return this.byId.size;
  }

  /**
   * Opens a session on `owner`. A repeated open on the same owner keeps the
   * existing session (and its queue); an open on another owner means the gate
   * moved the session to a new stream, so the old one lets go of it.
   */
  open(info: SessionInfo, owner: SessionOwner): RomaSession {
    const existing = this.byId.get(info.idHex);
    if (existing && existing.owner === owner) return existing;
    if (existing) {
      existing.closed = true;
      existing.owner.release(existing);
    }
    const session: RomaSession = { info, owner, queue: new SerialQueue(), closed: false };
    this.byId.set(info.idHex, session);
    return session;
  }

  close(session: RomaSession): void {
    session.closed = true;
    if (this.byId.get(session.info.idHex) !== session) return;
    this.byId.delete(session.info.idHex);
    this.onClosed?.(session);
  }

  find(idHex: string): RomaSession | undefined {
    return this.byId.get(idHex);
  }

  list(): RomaSession[] {
    return [...this.byId.values()];
  }

  /**
   * Tells the gate holding the session that it entered the game as
   * `playerId`, so every later envelope of it, to any service, carries that
   * id. Sent on the session's stream before the response that triggered it,
   * so the client's next request already carries the player. False if the
   * session is not held here.
   */
  bindSession(sessionId: Uint8Array, playerId: bigint): boolean {
    const session = this.byId.get(toHex(sessionId));
    if (!session) return false;
    session.info = { ...session.info, playerId };
    session.owner.send(sessionBindEnvelope(session.info.id, playerId));
    return true;
  }

  /** Sends a server push to the stream that carries the session; false if no stream here does. */
  push(sessionId: Uint8Array, message: OutboundPush): boolean {
    const session = this.byId.get(toHex(sessionId));
    if (!session) return false;
    session.owner.send(pushEnvelope(session.info.id, message.mod, message.seq, message.data));
    return true;
  }
}
