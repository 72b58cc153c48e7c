// One Tunnel.Open stream from one gate worker, carrying many sessions. It
// turns incoming envelopes into session opens/closes and queued requests,
// and sends responses and pushes through a per-turn BatchWriter. When the
// stream ends, every session it carried is dropped; nothing it does may
// take down the process or another stream.
import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import { errorMessage } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import { PacketCode } from '../../../gen/pantheon/client/v1/packet.js';
import { EnvelopeKind, type Envelope, type TunnelBatch } from '../../../gen/pantheon/roma/v1/tunnel.js';
import { toHex } from '../../../protocol/bytes.js';
import type { SessionInfo } from '../module-api.js';
import type { RequestDispatcher } from '../request-dispatcher.js';
import type { RomaRequestTracer } from '../roma-tracing.js';
import type { RomaSession, SessionDirectory, SessionOwner } from '../session-directory.js';
import { BatchWriter, type BatchWriterOptions } from './batch-writer.js';
import { responseEnvelope } from './envelopes.js';

export type TunnelCall = ServerDuplexStream<TunnelBatch, TunnelBatch>;

export interface TunnelConnectionDeps {
  directory: SessionDirectory;
  dispatcher: RequestDispatcher;
  logger: Logger;
  limits: Omit<BatchWriterOptions, 'onOverflow'>;
  /** Spans for requests; null or absent when tracing.enabled is false. */
  tracer?: RomaRequestTracer | null;
  onClosed(connection: TunnelConnection): void;
}

export class TunnelConnection implements SessionOwner {
  readonly peer: string;
  private readonly sessions = new Map<string, RomaSession>();
  private readonly writer: BatchWriter;
  private readonly logger: Logger;
  private closed = false;
  private requests = 0;
  private ignored = 0;

  constructor(
    private readonly call: TunnelCall,
    private readonly deps: TunnelConnectionDeps,
  ) {
    this.peer = call.getPeer();
    this.logger = deps.logger.child({ peer: this.peer });
    this.writer = new BatchWriter(call, { ...deps.limits, onOverflow: (bytes) => this.abortOverflowed(bytes) });
    call.on('data', (batch: TunnelBatch) => this.receive(batch));
    // The gate half-closed: it sends nothing more, so finish our side too.
    call.on('end', () => this.end('gate_ended_stream'));
    call.on('cancelled', () => this.drop('gate_cancelled_stream'));
    call.on('error', (error: Error) => this.drop(`stream_error: ${errorMessage(error)}`));
    call.on('close', () => this.drop('stream_closed'));
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  send(envelope: Envelope): void {
    this.writer.enqueue(envelope);
  }

  release(session: RomaSession): void {
    this.sessions.delete(session.info.idHex);
    this.logger.debug({ event: 'session_moved', session: session.info.idHex }, 'session reopened on another tunnel stream');
  }

  /** Sends what is queued, completes the stream with OK and drops its sessions (server stop, gate half-close). */
  end(reason: string): void {
    if (this.closed) return;
    this.writer.flushAll();
    this.drop(reason);
    this.call.end();
  }

  private receive(batch: TunnelBatch): void {
    if (this.closed) return;
    for (const envelope of batch.envelopes) {
      try {
        this.handleEnvelope(envelope);
      } catch (error) {
        // A bug in handling one envelope must not lose the rest of the batch or the stream.
        this.logger.error({ event: 'envelope_failed', kind: envelope.kind, err: error }, `cannot handle envelope: ${errorMessage(error)}`);
      }
    }
  }

  private handleEnvelope(envelope: Envelope): void {
    switch (envelope.kind) {
      case EnvelopeKind.ENVELOPE_KIND_SESSION_OPEN:
        this.openSession(envelope);
        return;
      case EnvelopeKind.ENVELOPE_KIND_SESSION_CLOSE:
        this.closeSession(envelope);
        return;
      case EnvelopeKind.ENVELOPE_KIND_REQUEST:
        this.handleRequest(envelope);
        return;
      default:
        // RESPONSE/PUSH only flow roma -> gate; anything else is a gate bug. Counted, reported at close.
        this.ignored++;
        this.logger.debug({ event: 'envelope_ignored', kind: envelope.kind }, 'ignored an envelope kind a gate must not send');
    }
  }

  private openSession(envelope: Envelope): RomaSession | undefined {
    if (envelope.sessionId.length === 0) {
      this.ignored++;
      this.logger.debug({ event: 'envelope_ignored', kind: envelope.kind }, 'SESSION_OPEN without session_id');
      return undefined;
    }
    const session = this.deps.directory.open(sessionInfoFrom(envelope), this);
    this.sessions.set(session.info.idHex, session);
    this.logger.debug({ event: 'session_opened', session: session.info.idHex, account_id: String(session.info.accountId) }, 'session opened');
    return session;
  }

  private closeSession(envelope: Envelope): void {
    const session = this.sessions.get(toHex(envelope.sessionId));
    if (!session) return;
    this.sessions.delete(session.info.idHex);
    this.deps.directory.close(session);
    this.logger.debug({ event: 'session_closed', session: session.info.idHex }, 'session closed by gate');
  }

  private handleRequest(envelope: Envelope): void {
    this.requests++;
    const session = this.sessions.get(toHex(envelope.sessionId)) ?? this.openImplicitly(envelope);
    if (!session) {
      this.send(responseEnvelope(envelope, PacketCode.PACKET_CODE_BAD_REQUEST));
      return;
    }
    // The gate learned the player after this session opened here (enter game on another instance).
    if (envelope.playerId !== 0n && envelope.playerId !== session.info.playerId) session.info = { ...session.info, playerId: envelope.playerId };
    const tracer = this.deps.tracer ?? null;
    const span = tracer?.start(envelope, session.info);
    // The whole answer, including the send, runs inside the queue, so responses leave in request order.
    session.queue
      .run(async () => {
        const answer = await this.deps.dispatcher.answer(session.info, envelope);
        if (!session.closed) this.send(responseEnvelope(envelope, answer.code, answer.data, answer.obj));
        if (span) tracer!.finish(span, answer.code);
      })
      .catch((error: unknown) => {
        span?.end();
        // The dispatcher never throws; reaching this is a runtime bug worth a loud line.
        this.logger.error({ event: 'request_failed', session: session.info.idHex, err: error }, `request failed outside its handler: ${errorMessage(error)}`);
      });
  }

  /** A REQUEST for a session this stream never saw: acceptable only with the verified account it belongs to. */
  private openImplicitly(envelope: Envelope): RomaSession | undefined {
    if (envelope.accountId === 0n || envelope.sessionId.length === 0) {
      this.logger.debug({ event: 'request_without_session', session: toHex(envelope.sessionId) }, 'REQUEST for an unknown session without account_id');
      return undefined;
    }
    this.logger.debug({ event: 'session_opened_implicitly', session: toHex(envelope.sessionId) }, 'REQUEST opened its session');
    return this.openSession(envelope);
  }

  /** The gate stopped reading: give the stream up rather than buffer without bound. */
  private abortOverflowed(queuedBytes: number): void {
    this.logger.error(
      { event: 'tunnel_overflow', queued_bytes: queuedBytes, sessions: this.sessions.size },
      `gate stopped reading the tunnel stream (${queuedBytes} bytes queued); closing it`,
    );
    this.drop('gate_stopped_reading');
    // Ends the call with RESOURCE_EXHAUSTED (grpc-js maps an 'error' on the server stream to the status).
    this.call.emit('error', { code: status.RESOURCE_EXHAUSTED, details: 'gate stopped reading the tunnel; Roma closed the stream' });
  }

  /** Forgets the stream's sessions and stops sending; idempotent. */
  private drop(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.writer.close();
    for (const session of this.sessions.values()) this.deps.directory.close(session);
    const dropped = this.sessions.size;
    this.sessions.clear();
    this.deps.onClosed(this);
    this.logger.info(
      { event: 'tunnel_closed', reason, sessions_dropped: dropped, requests: this.requests, batches_sent: this.writer.batches, ignored_envelopes: this.ignored },
      `tunnel stream closed (${reason}); dropped ${dropped} session(s)`,
    );
  }
}

function sessionInfoFrom(envelope: Envelope): SessionInfo {
  return {
    // A copy: the decoded field is a view into the whole received batch, which must not live as long as the session.
    id: envelope.sessionId.slice(),
    idHex: toHex(envelope.sessionId),
    accountId: envelope.accountId,
    // 0 until the session enters the game (SESSION_BIND); never taken from the client.
    playerId: envelope.playerId,
    color: envelope.color,
    gateId: envelope.gateId,
  };
}
