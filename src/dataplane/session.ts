// One client connection inside a worker, from first byte to close: its
// handshake state, its two frame ciphers, its routes to backends and the
// requests it has in flight.
import { Packet, PacketCode, Module, SystemSeq, LogoutCode, ServerLogout } from '../gen/pantheon/client/v1/packet.js';
import { FrameOpener, FrameSealer } from '../security/frame-cipher.js';
import type { ClientConnection, CloseReason } from './transports/transport.js';
import type { EstablishedSession } from './handshake.js';
import type { Bucketed } from './buckets.js';
import type { WorkerCounterSet } from './counters.js';
import type { SessionLimiter } from './limits/session-limiter.js';
import { endRequestTrace, type RequestTraces } from './request-tracing.js';

export type SessionState = 'awaiting_hello' | 'handshaking' | 'open' | 'closed';

export interface SessionRoute {
  instanceId: string;
  /** SESSION_OPEN has been sent on the current tunnel to that instance. */
  opened: boolean;
}

export interface InflightRequest {
  deadline: number;
  mod: number;
  seq: number;
  instanceId: string;
  /** performance.now() when it was forwarded, for the gate -> Roma -> gate latency. */
  startedAt: number;
}

export class GateSession implements Bucketed {
  bucket = 0;
  state: SessionState = 'awaiting_hello';
  readonly acceptedAt = Date.now();
  lastHeardAt = this.acceptedAt;
  handshakeDeadline: number;

  sessionId: Buffer | null = null;
  /** sessionId as a map key (latin1: one char per byte, no hex cost). */
  key = '';
  accountId = 0n;
  /** The player the session entered the game as (SESSION_BIND from a player-role Roma); 0 before. */
  playerId = 0n;
  color = '';
  heartbeatIntervalMs = 0;
  private sealer: FrameSealer | null = null;
  private opener: FrameOpener | null = null;

  /** Per-session packet and byte rate limits, from establishment on. */
  limiter: SessionLimiter | null = null;
  /** Counted in the gate-wide connection limits (released on close). */
  admitted = false;

  readonly routes = new Map<string, SessionRoute>();
  /** Instances reached by object key (gate.keyed_modules) other than this session's own routes, by instance id. */
  readonly keyedRoutes = new Map<string, SessionRoute>();
  /** Packets waiting for the control plane to choose an instance, per service (or per "<service>:<key>" for keyed requests). */
  readonly awaitingRoute = new Map<string, Packet[]>();
  readonly inflight = new Map<number, InflightRequest>();
  /** Open request spans by Packet.index; stays null unless tracing is on (request-tracing.ts). */
  traces: RequestTraces | null = null;

  constructor(
    readonly connection: ClientConnection,
    handshakeTimeoutMs: number,
    private readonly counters: WorkerCounterSet,
    /** Unsent bytes past which the client is dropped as a slow consumer. */
    private readonly slowConsumerBytes: () => number,
    private readonly onSlowConsumer: (session: GateSession, buffered: number) => void,
  ) {
    this.handshakeDeadline = this.acceptedAt + handshakeTimeoutMs;
  }

  establish(established: EstablishedSession): void {
    this.sessionId = established.sessionId;
    this.key = established.sessionId.toString('latin1');
    this.accountId = established.accountId;
    this.color = established.color;
    this.heartbeatIntervalMs = established.heartbeatIntervalMs;
    if (established.keys) {
      this.sealer = new FrameSealer(established.keys.s2cKey, established.keys.s2cIv);
      this.opener = new FrameOpener(established.keys.c2sKey, established.keys.c2sIv);
    }
    this.state = 'open';
  }

  /** Decrypts and decodes one post-handshake body; null means the client broke the protocol. */
  openPacket(body: Uint8Array): Packet | null {
    // Without encryption the body is the transport's transient buffer, and
    // decoded bytes fields are views into it: copy before it is reused.
    const plaintext = this.opener ? this.opener.open(body) : body.slice();
    if (!plaintext) return null;
    try {
      return Packet.decode(plaintext);
    } catch {
      return null;
    }
  }

  sendPacket(packet: Packet): void {
    this.sendPlaintext(Packet.encode(packet).finish(), packet.mod);
    // Every answer to a client request passes here, so a traced request's span ends here.
    if (this.traces !== null) endRequestTrace(this.traces, packet.index, packet.code);
  }

  /** Sends an already-encoded Packet of module `mod`; pushes to many sessions encode once and call this per session. */
  sendPlaintext(plaintext: Uint8Array, mod: number): void {
    if (this.state === 'closed') return;
    const body = this.sealer ? this.sealer.seal(plaintext) : plaintext;
    if (!this.connection.send(body)) return;
    this.counters.packetsOut++;
    this.counters.bytesOut += body.length;
    this.counters.metrics.packetOut(mod, body.length);
    const buffered = this.connection.bufferedBytes();
    if (buffered > this.slowConsumerBytes()) this.onSlowConsumer(this, buffered);
  }

  respond(request: Packet, code: PacketCode, data: Uint8Array = EMPTY): void {
    this.sendPacket({ mod: request.mod, seq: request.seq, obj: request.obj, index: request.index, data, compressed: false, dataVersion: 0n, code });
  }

  /** Tells the client why, then closes: every deliberate close of an open session goes through here. */
  logoutAndClose(code: LogoutCode, reason: string, closeReason: CloseReason = 'normal'): void {
    if (this.state === 'open') {
      this.sendPacket({
        mod: Module.MODULE_SYSTEM,
        seq: SystemSeq.SYSTEM_SEQ_SERVER_LOGOUT,
        obj: 0n,
        index: 0,
        data: ServerLogout.encode({ code, reason }).finish(),
        compressed: false,
        dataVersion: 0n,
        code: 0,
      });
    }
    this.connection.close(closeReason, reason);
  }
}

export const EMPTY = new Uint8Array(0);
