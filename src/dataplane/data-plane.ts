// One worker's data plane: accepts connections from its transports, runs
// the handshake, decrypts and dispatches packets (System here, the rest to
// backends), and applies what the control plane sends over the ring.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { LogoutCode, Module, Packet, PacketCode } from '../gen/pantheon/client/v1/packet.js';
import { HandshakeErrorCode } from '../gen/pantheon/client/v1/handshake.js';
import type { ControlMessage, DeliverToSessions, RuntimeSettings } from '../gen/pantheon/gate/v1/ring.js';
import type { Envelope } from '../gen/pantheon/roma/v1/tunnel.js';
import type { Logger } from '../common/logger.js';
import type { TokenKeyring } from '../security/keys.js';
import { BackendPool, ROMA_SERVICE } from './backend/backend-pool.js';
import { ConnectionBuckets } from './buckets.js';
import { deflateIfSmaller, inflateCapped } from './compression.js';
import type { ControlLink } from './control-link.js';
import { WorkerCounterSet } from './counters.js';
import { handshakeFailure, performHandshake, type HandshakeDeps } from './handshake.js';
import { GateSession } from './session.js';
import { handleSystemPacket } from './system-module.js';
import type { ClientConnection, ConnectionAcceptor, ConnectionSink, Transport } from './transports/transport.js';

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
  private readonly signingKey: { id: string; privateKey: KeyObject };
  private settings: RuntimeSettings;
  private transports: Transport[] = [];
  private countersTimer: NodeJS.Timeout | null = null;
  private nextConnectionHash = 0;
  private draining = false;

  constructor(private readonly options: DataPlaneOptions) {
    this.logger = options.logger;
    this.settings = options.settings;
    this.counters = new WorkerCounterSet(options.worker);
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
      claimToken: (jti, expiresAtMs) => options.control.claimToken(jti, expiresAtMs, this.settings.handshakeTimeoutMs),
    };
    this.backends = new BackendPool({
      gateId: options.gateId,
      logger: options.logger,
      settings: () => this.settings,
      requestRoute: (session, service) =>
        options.control.send({ $case: 'routeRequest', value: { sessionId: session.sessionId!, service, color: session.color, accountId: session.accountId } }),
      sessionByKey: (key) => this.sessionsByKey.get(key),
      deliver: (session, envelope) => this.deliverFromBackend(session, envelope),
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
    return Promise.all(transports.map((transport) => transport.start(this)));
  }

  accept(connection: ClientConnection): ConnectionSink {
    const session = new GateSession(connection, this.settings.handshakeTimeoutMs, this.counters);
    this.buckets.add(session, this.nextConnectionHash++);
    if (connection.transport === 'ws') this.counters.connectionsWs++;
    else this.counters.connectionsTcp++;
    if (this.draining) session.connection.close('going_away', 'gate is draining');
    return {
      onBody: (body) => this.onBody(session, body),
      onClosed: () => this.onClosed(session),
    };
  }

  /** Graceful stop: tell every session to reconnect elsewhere, stop accepting, close everything. */
  drain(code: LogoutCode, reason: string): void {
    if (this.draining) return;
    this.draining = true;
    for (const transport of this.transports) transport.stopAccepting();
    this.buckets.forEach((session) => {
      if (session.state === 'open') session.logoutAndClose(code, reason, 'going_away');
      else session.connection.close('going_away', reason);
    });
  }

  /** Releases every resource; the worker thread can exit after this. */
  close(): void {
    this.buckets.stopSweep();
    if (this.countersTimer) clearInterval(this.countersTimer);
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
    performHandshake(Uint8Array.prototype.slice.call(body), this.handshakeDeps)
      .then((outcome) => {
        if (session.state !== 'handshaking') return; // closed or timed out meanwhile
        session.connection.send(outcome.reply);
        if (!outcome.ok) {
          this.counters.handshakesFailed++;
          this.logger.info({ event: 'handshake_refused', code: HandshakeErrorCode[outcome.code], reason: outcome.reason, remote: session.connection.remoteAddress }, 'handshake refused');
          session.state = 'closed';
          session.connection.close('protocol_error', outcome.reason);
          return;
        }
        this.counters.handshakesOk++;
        this.counters.sessions++;
        session.establish(outcome.session);
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
        session.connection.close('protocol_error', 'internal error');
      });
  }

  private onPacketBody(session: GateSession, body: Uint8Array): void {
    const packet = session.openPacket(body);
    if (!packet) {
      // Forged, replayed, reordered or undecodable: the stream can no longer be trusted.
      this.failProtocol(session, 'a frame failed authentication or decoding');
      return;
    }
    this.counters.packetsIn++;
    if (packet.compressed) {
      const inflated = inflateCapped(packet.data, this.settings.maxInflatedBytes);
      if (!inflated.ok) {
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
      session.respond(packet, PacketCode.PACKET_CODE_UNKNOWN_MODULE);
      return;
    }
    // Every other module is served by Roma; the module table grows with the game services.
    this.backends.forward(session, packet, ROMA_SERVICE);
  }

  private deliverFromBackend(session: GateSession, envelope: Envelope): void {
    const compressed = deflateIfSmaller(envelope.data, this.settings.compressThresholdBytes);
    session.sendPacket({
      mod: envelope.mod,
      seq: envelope.seq,
      obj: envelope.obj,
      index: envelope.index,
      data: compressed ?? envelope.data,
      compressed: compressed !== null,
      dataVersion: envelope.dataVersion,
      code: envelope.code,
    });
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
    this.buckets.delete(session);
    if (session.connection.transport === 'ws') this.counters.connectionsWs--;
    else this.counters.connectionsTcp--;
    if (!wasOpen) return;
    this.sessionsByKey.delete(session.key);
    this.counters.sessions--;
    this.backends.sessionClosed(session);
    this.options.control.send({ $case: 'closed', value: { sessionId: session.sessionId!, reason: 'connection closed' } });
  }

  private sweep(session: GateSession, now: number): void {
    if (session.state === 'awaiting_hello' || session.state === 'handshaking') {
      if (now < session.handshakeDeadline) return;
      this.counters.handshakesFailed++;
      session.state = 'closed';
      session.connection.send(handshakeFailure(HandshakeErrorCode.HANDSHAKE_ERROR_TIMEOUT, 'handshake not completed in time').reply);
      session.connection.close('protocol_error', 'handshake timeout');
      return;
    }
    if (session.state !== 'open') return;
    if (now - session.lastHeardAt > 3 * session.heartbeatIntervalMs) {
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
        const session = this.sessionsByKey.get(Buffer.from(body.value.sessionId).toString('latin1'));
        if (session) this.backends.applyRoute(session, body.value);
        return;
      }
      case 'settings':
        this.settings = body.value;
        this.logger.level = body.value.logLevel || this.logger.level;
        return;
      case 'deliver':
        this.deliverToSessions(body.value);
        return;
      case 'kick': {
        const session = this.sessionsByKey.get(Buffer.from(body.value.sessionId).toString('latin1'));
        session?.logoutAndClose(body.value.code, body.value.reason);
        return;
      }
      case 'drain':
        this.drain(body.value.code, body.value.reason);
        return;
      default:
        return;
    }
  }

  /** Encodes the push once; each session only seals it with its own key. */
  private deliverToSessions(deliver: DeliverToSessions): void {
    const compressed = deflateIfSmaller(deliver.data, this.settings.compressThresholdBytes);
    const plaintext = Packet.encode({
      mod: deliver.mod,
      seq: deliver.seq,
      obj: 0n,
      index: 0,
      data: compressed ?? deliver.data,
      compressed: compressed !== null,
      dataVersion: 0n,
      code: 0,
    }).finish();
    if (deliver.allSessions) {
      this.buckets.forEach((session) => {
        if (session.state === 'open' && (deliver.color === '' || session.color === deliver.color)) session.sendPlaintext(plaintext);
      });
      return;
    }
    for (const id of deliver.sessionIds) this.sessionsByKey.get(Buffer.from(id).toString('latin1'))?.sendPlaintext(plaintext);
  }
}
