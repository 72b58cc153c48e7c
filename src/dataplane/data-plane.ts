// One worker's data plane: accepts connections from its transports, runs
// the handshake, decrypts and dispatches packets (System here, the rest to
// backends), and applies what the control plane sends over the ring.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { LogoutCode, Module, PacketCode, SystemSeq } from '../gen/pantheon/client/v1/packet.js';
import { HandshakeErrorCode } from '../gen/pantheon/client/v1/handshake.js';
import type { ControlMessage, RuntimeSettings } from '../gen/pantheon/gate/v1/ring.js';
import type { Envelope } from '../gen/pantheon/roma/v1/tunnel.js';
import type { Logger } from '../common/logger.js';
import type { TokenKeyring } from '../security/keys.js';
import { BackendPool, ROMA_SERVICE } from './backend/backend-pool.js';
import { ConnectionBuckets } from './buckets.js';
import { inflateCapped } from './compression.js';
import type { ControlLink } from './control-link.js';
import { WorkerCounterSet } from './counters.js';
import { handshakeFailure, performHandshake, type HandshakeDeps } from './handshake.js';
import { GateSession } from './session.js';
import { ConnectionCounts } from './limits/connection-counts.js';
import { limitsFrom, SessionLimiter } from './limits/session-limiter.js';
import { deliverToSessions, packetFromEnvelope } from './outbound.js';
import { handleSystemPacket } from './system-module.js';
import type { ClientConnection, ConnectionAcceptor, ConnectionSink, Transport } from './transports/transport.js';
import { endAllTraces, RequestTracer } from './request-tracing.js';
import type { Tracer } from '@opentelemetry/api';

export interface DataPlaneOptions {
  worker: number;
  gateId: string;
  logger: Logger;
  control: ControlLink;
  tokenKeys: TokenKeyring;
  signingKey: { id: string; privatePem: string };
  maxFrameBytes: number;
  encrypt: boolean;
  settings: RuntimeSettings;
  /** Gate-wide connection counts shared by every worker (limits/connection-counts.ts). */
  connectionCounts: SharedArrayBuffer;
  /** Spans for client requests; null (the default) when tracing.enabled is false. */
  tracer?: Tracer | null;
}

interface DrainState {
  code: LogoutCode;
  reason: string;
  deadline: number;
}

const SWEEP_PERIOD_MS = 1_000;
const SWEEP_TICKS = 10;
const COUNTERS_PERIOD_MS = 1_000;

export class DataPlane implements ConnectionAcceptor {
  readonly counters: WorkerCounterSet;
  private readonly logger: Logger;
  private readonly buckets = new ConnectionBuckets<GateSession>();
  private readonly sessionsByKey = new Map<string, GateSession>();
  private readonly backends: BackendPool;
  private readonly handshakeDeps: HandshakeDeps;
  private signingKey: { id: string; privateKey: KeyObject };
  private settings: RuntimeSettings;
  private readonly connectionCounts: ConnectionCounts;
  private drainState: DrainState | null = null;
  private transports: Transport[] = [];
  private countersTimer: NodeJS.Timeout | null = null;
  private nextConnectionHash = 0;
  private readonly tracer: RequestTracer | null;

  constructor(private readonly options: DataPlaneOptions) {
    this.logger = options.logger;
    this.settings = options.settings;
    this.counters = new WorkerCounterSet(options.worker);
    this.connectionCounts = new ConnectionCounts(options.connectionCounts);
    this.tracer = options.tracer ? new RequestTracer(options.tracer, options.gateId) : null;
    this.signingKey = { id: options.signingKey.id, privateKey: createPrivateKey(options.signingKey.privatePem) };
    this.handshakeDeps = {
      tokenKeys: () => options.tokenKeys,
      signingKey: () => this.signingKey,
      settings: () => ({
        heartbeatIntervalMs: this.settings.heartbeatIntervalMs,
        maxFrameBytes: options.maxFrameBytes,
        encrypt: options.encrypt,
        claimTimeoutMs: this.settings.handshakeTimeoutMs,
      }),
      claimToken: (jti, expiresAtMs, remoteAddress) => options.control.claimToken(jti, expiresAtMs, remoteAddress, this.settings.handshakeTimeoutMs),
    };
    this.backends = new BackendPool({
      gateId: options.gateId,
      logger: options.logger,
      settings: () => this.settings,
      requestRoute: (session, service, key) =>
        options.control.send({ $case: 'routeRequest', value: { sessionId: session.sessionId!, service, color: session.color, accountId: session.accountId, key } }),
      reportKey: (service, key, instanceId) => options.control.send({ $case: 'keyLearned', value: { service, key, instanceId } }),
      sessionByKey: (key) => this.sessionsByKey.get(key),
      deliver: (session, envelope) => this.deliverFromBackend(session, envelope),
      metrics: this.counters.metrics,
      reportEjection: (instanceId, untilMs, reason) => options.control.send({ $case: 'ejected', value: { instanceId, untilMs: BigInt(untilMs), reason } }),
    });
  }

  async start(transports: Transport[]): Promise<string[]> {
    this.transports = transports;
    this.options.control.start(
      (message) => this.onControlMessage(message),
      (error) => this.logger.error({ event: 'ring_error', err: error }, 'bad message on the control ring'),
    );
    this.buckets.startSweep(SWEEP_PERIOD_MS, SWEEP_TICKS, (session, now) => this.sweep(session, now));
    this.countersTimer = setInterval(() => this.options.control.send({ $case: 'counters', value: this.counters.snapshot() }), COUNTERS_PERIOD_MS);
    this.countersTimer.unref();
    this.counters.metrics.start(() => this.options.control.sender.stats());
    return Promise.all(transports.map((transport) => transport.start(this)));
  }

  accept(connection: ClientConnection): ConnectionSink {
    const session = new GateSession(
      connection,
      this.settings.handshakeTimeoutMs,
      this.counters,
      () => this.settings.slowConsumerBytes,
      (slow, buffered) => this.dropSlowConsumer(slow, buffered),
    );
    this.buckets.add(session, this.nextConnectionHash++);
    this.counters.connectionOpened(connection.transport);
    if (this.drainState) {
      session.connection.close('going_away', 'gate is draining');
    } else {
      const admitted = this.connectionCounts.admit(connection.remoteAddress, this.settings.maxConnections, this.settings.maxConnectionsPerIp);
      session.admitted = admitted === 'ok';
      if (!session.admitted) {
        this.counters.metrics.rateLimited(admitted === 'gate_full' ? 'max_connections' : 'max_connections_per_ip');
        this.logger.info({ event: 'connection_refused', reason: admitted, remote: connection.remoteAddress }, 'connection limit reached');
        session.state = 'closed';
        connection.close('overloaded', admitted === 'gate_full' ? 'gate is full' : 'too many connections from this address');
      }
    }
    return {
      onBody: (body) => this.onBody(session, body),
      onClosed: () => this.onClosed(session),
    };
  }

  /**
   * Graceful stop: stop accepting; each session is logged out ("reconnect
   * elsewhere") as soon as its in-flight requests are answered, and every
   * session still open at the grace deadline is logged out then.
   */
  drain(code: LogoutCode, reason: string, graceMs: number): void {
    if (this.drainState) return;
    this.drainState = { code, reason, deadline: Date.now() + graceMs };
    for (const transport of this.transports) transport.stopAccepting();
    this.buckets.forEach((session) => this.drainSession(session, Date.now()));
    this.reportIfDrained();
  }

  /** Releases every resource; the worker thread can exit after this. */
  close(): void {
    this.buckets.stopSweep();
    if (this.countersTimer) clearInterval(this.countersTimer);
    this.counters.metrics.stop();
    this.options.control.send({ $case: 'counters', value: this.counters.snapshot() });
    for (const transport of this.transports) transport.close();
    this.backends.close();
    this.options.control.stop();
  }

  private onBody(session: GateSession, body: Uint8Array): void {
    session.lastHeardAt = Date.now();
    this.counters.bytesIn += body.length;
    switch (session.state) {
      case 'awaiting_hello':
        this.startHandshake(session, body);
        return;
      case 'handshaking':
        // PANTHEON/1 is strictly one hello, then wait for the reply.
        this.counters.metrics.error('protocol_error');
        this.failProtocol(session, 'a second message arrived before the handshake finished');
        return;
      case 'open':
        this.onPacketBody(session, body);
        return;
      case 'closed':
        return;
    }
  }

  private startHandshake(session: GateSession, body: Uint8Array): void {
    session.state = 'handshaking';
    performHandshake(Uint8Array.prototype.slice.call(body), session.connection.remoteAddress, this.handshakeDeps)
      .then((outcome) => {
        if (session.state !== 'handshaking') return; // closed or timed out meanwhile
        session.connection.send(outcome.reply);
        if (!outcome.ok) {
          this.counters.handshakesFailed++;
          this.counters.metrics.handshakeFailed(outcome.code);
          if (outcome.code === HandshakeErrorCode.HANDSHAKE_ERROR_RATE_LIMITED) this.counters.metrics.rateLimited('handshakes_per_ip');
          this.logger.info({ event: 'handshake_refused', code: HandshakeErrorCode[outcome.code], reason: outcome.reason, remote: session.connection.remoteAddress }, 'handshake refused');
          session.state = 'closed';
          session.connection.close('protocol_error', outcome.reason);
          return;
        }
        this.counters.handshakesOk++;
        this.counters.sessions++;
        session.establish(outcome.session);
        session.limiter = new SessionLimiter(limitsFrom(this.settings), Date.now());
        this.sessionsByKey.set(session.key, session);
        this.options.control.send({
          $case: 'opened',
          value: {
            sessionId: outcome.session.sessionId,
            accountId: outcome.session.accountId,
            color: outcome.session.color,
            transport: session.connection.transport,
            remoteAddress: session.connection.remoteAddress,
            openedAtMs: BigInt(Date.now()),
          },
        });
      })
      .catch((error: unknown) => {
        this.logger.error({ event: 'handshake_error', err: error }, 'handshake failed unexpectedly');
        this.counters.metrics.handshakeFailed(HandshakeErrorCode.HANDSHAKE_ERROR_UNSPECIFIED);
        this.counters.metrics.error('handshake_internal');
        session.connection.close('protocol_error', 'internal error');
      });
  }

  private onPacketBody(session: GateSession, body: Uint8Array): void {
    const packet = session.openPacket(body);
    if (!packet) {
      // Forged, replayed, reordered or undecodable: the stream can no longer be trusted.
      this.counters.metrics.error('decrypt');
      this.failProtocol(session, 'a frame failed authentication or decoding');
      return;
    }
    this.counters.packetsIn++;
    this.counters.metrics.packetIn(packet.mod, body.length);
    if (this.tracer !== null && packet.mod !== Module.MODULE_SYSTEM) this.tracer.begin(session, packet);
    const verdict = session.limiter!.check(body.length, Date.now());
    if (verdict !== 'ok') {
      this.counters.metrics.rateLimited(verdict === 'abusive' ? 'abuse_close' : 'session_traffic');
      if (verdict === 'abusive') {
        this.logger.info({ event: 'session_rate_abuse', account_id: session.accountId.toString(), remote: session.connection.remoteAddress }, 'closing a session that keeps exceeding its rate limits');
        session.logoutAndClose(LogoutCode.LOGOUT_CODE_RATE_LIMITED, 'sustained traffic over the rate limits');
      } else {
        session.respond(packet, PacketCode.PACKET_CODE_RATE_LIMITED);
      }
      return;
    }
    if (packet.compressed) {
      const inflated = inflateCapped(packet.data, this.settings.maxInflatedBytes);
      if (!inflated.ok) {
        this.counters.metrics.error('inflate');
        if (inflated.reason === 'too_large') {
          session.logoutAndClose(LogoutCode.LOGOUT_CODE_PROTOCOL_ERROR, `compressed data inflates past ${this.settings.maxInflatedBytes} bytes`, 'too_big');
        } else {
          session.respond(packet, PacketCode.PACKET_CODE_BAD_REQUEST);
        }
        return;
      }
      packet.data = inflated.data;
      packet.compressed = false;
    }
    if (packet.mod === Module.MODULE_SYSTEM) {
      handleSystemPacket(session, packet);
      return;
    }
    if (packet.mod <= 0) {
      this.counters.metrics.error('unknown_module');
      session.respond(packet, PacketCode.PACKET_CODE_UNKNOWN_MODULE);
      return;
    }
    if (this.drainState) {
      this.counters.metrics.error('service_unavailable');
      session.respond(packet, PacketCode.PACKET_CODE_SERVICE_UNAVAILABLE);
      return;
    }
    if (session.connection.shedding) {
      // The instance is saturated and this transport cannot stop reading: refuse rather than buffer.
      this.counters.metrics.rateLimited('backend_inflight_high_water');
      session.respond(packet, PacketCode.PACKET_CODE_RATE_LIMITED);
      return;
    }
    // gate.module_services names the service of a module (Room -> "room"); the rest is player-role Roma.
    this.backends.forward(session, packet, this.settings.moduleServices[packet.mod] ?? ROMA_SERVICE);
  }

  private deliverFromBackend(session: GateSession, envelope: Envelope): void {
    session.sendPacket(packetFromEnvelope(envelope, this.settings.compressThresholdBytes));
    if (envelope.mod === Module.MODULE_SYSTEM && envelope.seq === SystemSeq.SYSTEM_SEQ_SERVER_LOGOUT) {
      // A game service logged the player out (duplicate login, conflicting
      // state): ServerLogout always precedes the gate closing the session.
      session.state = 'closed';
      session.connection.close('normal', 'logged out by the game service');
      return;
    }
    if (this.drainState) this.drainSession(session, Date.now());
  }

  private drainSession(session: GateSession, now: number): void {
    const drain = this.drainState!;
    if (session.state !== 'open') {
      if (session.state !== 'closed') session.connection.close('going_away', drain.reason);
      return;
    }
    if (this.backends.pendingCount(session) > 0 && now < drain.deadline) return;
    session.logoutAndClose(drain.code, drain.reason, 'going_away');
  }

  private reportIfDrained(): void {
    if (this.drainState && this.buckets.size === 0) this.options.control.send({ $case: 'drained', value: { worker: this.options.worker } });
  }

  private dropSlowConsumer(session: GateSession, buffered: number): void {
    if (session.state === 'closed') return;
    this.counters.metrics.error('slow_consumer');
    this.logger.warn(
      { event: 'slow_consumer_dropped', buffered_bytes: buffered, limit_bytes: this.settings.slowConsumerBytes, account_id: session.accountId.toString(), remote: session.connection.remoteAddress },
      'dropping a client that does not read what it is sent',
    );
    session.state = 'closed';
    session.connection.close('slow_consumer', 'not reading');
  }


  private failProtocol(session: GateSession, reason: string): void {
    this.counters.protocolErrors++;
    this.logger.info({ event: 'protocol_error', reason, remote: session.connection.remoteAddress }, 'closing connection');
    session.state = 'closed';
    session.connection.close('protocol_error', reason);
  }

  private onClosed(session: GateSession): void {
    const wasOpen = session.sessionId !== null && this.sessionsByKey.get(session.key) === session;
    session.state = 'closed';
    if (session.traces !== null) endAllTraces(session.traces, 'connection closed');
    this.buckets.delete(session);
    if (session.admitted) this.connectionCounts.release(session.connection.remoteAddress);
    this.counters.connectionClosed(session.connection.transport);
    if (wasOpen) {
      this.sessionsByKey.delete(session.key);
      this.counters.sessions--;
      this.backends.sessionClosed(session);
      this.options.control.send({ $case: 'closed', value: { sessionId: session.sessionId!, reason: 'connection closed' } });
    }
    this.reportIfDrained();
  }

  private sweep(session: GateSession, now: number): void {
    if (session.state === 'awaiting_hello' || session.state === 'handshaking') {
      if (now < session.handshakeDeadline) return;
      this.counters.handshakesFailed++;
      this.counters.metrics.handshakeFailed(HandshakeErrorCode.HANDSHAKE_ERROR_TIMEOUT);
      session.state = 'closed';
      session.connection.send(handshakeFailure(HandshakeErrorCode.HANDSHAKE_ERROR_TIMEOUT, 'handshake not completed in time').reply);
      session.connection.close('protocol_error', 'handshake timeout');
      return;
    }
    if (session.state !== 'open') return;
    if (this.drainState) {
      this.drainSession(session, now);
      return;
    }
    if (now - session.lastHeardAt > 3 * session.heartbeatIntervalMs) {
      this.counters.metrics.error('heartbeat_timeout');
      session.logoutAndClose(LogoutCode.LOGOUT_CODE_HEARTBEAT_TIMEOUT, `nothing received for ${3 * session.heartbeatIntervalMs} ms`);
      return;
    }
    this.backends.sweep(session, now);
  }

  private onControlMessage(message: ControlMessage): void {
    const body = message.body;
    switch (body?.$case) {
      case 'registry':
        this.backends.updateRegistry(body.value.instances);
        return;
      case 'route': {
        // A key's answer serves every session waiting for that key, even if the one that asked has left.
        if (body.value.key !== 0n) {
          this.backends.applyKeyRoute(body.value);
          return;
        }
        const session = this.sessionsByKey.get(Buffer.from(body.value.sessionId).toString('latin1'));
        if (session) this.backends.applyRoute(session, body.value);
        return;
      }
      case 'settings':
        this.applySettings(body.value);
        return;
      case 'signingKey':
        this.signingKey = { id: body.value.keyId, privateKey: createPrivateKey(body.value.privateKeyPem) };
        this.logger.info({ event: 'signing_key_rotated', key_id: body.value.keyId }, 'new handshakes are signed with a new key');
        return;
      case 'deliver':
        deliverToSessions(body.value, this.settings.compressThresholdBytes, this.sessionsByKey, this.buckets);
        return;
      case 'kick': {
        const session = this.sessionsByKey.get(Buffer.from(body.value.sessionId).toString('latin1'));
        session?.logoutAndClose(body.value.code, body.value.reason);
        return;
      }
      case 'drain':
        this.drain(body.value.code, body.value.reason, body.value.graceMs);
        return;
      default:
        return;
    }
  }

  /** Reloaded settings apply to live sessions too, except heartbeat intervals (agreed at handshake). */
  private applySettings(settings: RuntimeSettings): void {
    this.settings = settings;
    if (settings.logLevel) this.logger.level = settings.logLevel;
    const limits = limitsFrom(this.settings);
    for (const session of this.sessionsByKey.values()) session.limiter?.reconfigure(limits);
  }
}
