// PantheonClient: one session with a gate over any Transport. Runs the
// handshake, seals and opens every later body, matches responses to requests
// by index, delivers pushes in order, keeps the session alive with heartbeats.
// Browser-safe: it must not import node: modules (see src/sdk/node.ts).
import type { ServerHello } from '../gen/pantheon/client/v1/handshake.js';
import { Heartbeat, HeartbeatReply, Module, Packet, ServerLogout, SystemSeq } from '../gen/pantheon/client/v1/packet.js';
import { GCM_TAG_BYTES } from '../protocol/handshake.js';
import { ConnectionClosedError, HandshakeFailedError, RequestError, RequestTimeoutError, type ConnectionCloseCode, type ConnectionCloseDetails, type LogoutInfo } from './errors.js';
import { FrameOpener, FrameSealer } from './frame-cipher.js';
import { completeHandshake, createClientKeyShare, encodeClientHello, trustGateKeys, type ClientKeyShare, type EstablishedHandshake, type GateKey, type TrustedGateKeys } from './handshake.js';
import { inflateWithDecompressionStream, type Inflate } from './inflate.js';
import type { Transport, TransportCloseEvent } from './transports/transport.js';

export interface ClientOptions {
  /** The single-use token from Lares POST /v1/tokens. */
  token: string;
  /** The `gate_keys` from the same response: the gate must sign with one of them. */
  gateKeys: readonly GateKey[];
  /** Default 10000. */
  handshakeTimeoutMs?: number;
  /** Default for RequestOptions.timeoutMs; default 10000. */
  requestTimeoutMs?: number;
  /** Send a heartbeat every ServerHello.heartbeat_interval_ms and close after 3 silent intervals. Default true. */
  autoHeartbeat?: boolean;
  /** Inflates compressed inbound data. Default: DecompressionStream (the node entry passes node:zlib). */
  inflate?: Inflate;
  /** Cap for one inflated packet. Default 16 MiB. */
  maxInflatedBytes?: number;
  /** Accept a gate that runs with security.encrypt=false (dev profile only). Default false. */
  allowPlaintext?: boolean;
}

export interface RequestOptions {
  /** Default ClientOptions.requestTimeoutMs. */
  timeoutMs?: number;
  /** Packet.obj; default 0. */
  obj?: bigint;
  /** Packet.data_version; default 0. */
  dataVersion?: bigint;
}

/** A packet from the gate. `data` is already inflated; `compressed` tells whether it was on the wire. */
export type IncomingPacket = Packet;

export interface HeartbeatResult {
  serverTimeMs: bigint;
  roundTripMs: number;
}

export type PushListener = (packet: IncomingPacket) => void;
export type CloseListener = (reason: ConnectionClosedError) => void;

interface PendingRequest {
  resolve(packet: IncomingPacket): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

interface HandshakeWaiter {
  resolve(client: PantheonClient): void;
  reject(error: HandshakeFailedError): void;
  timer: ReturnType<typeof setTimeout>;
  clientHello: Uint8Array;
  keyShare: ClientKeyShare;
  trusted: TrustedGateKeys;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_INFLATED_BYTES = 16 * 1024 * 1024;
const MAX_HELD_PUSHES = 1024;
const SILENT_INTERVALS_BEFORE_CLOSE = 3;
const MAX_INDEX = 0xffff_ffff;
const EMPTY = new Uint8Array(0);

/** A PANTHEON/1 session with a gate. Create with `PantheonClient.connect` (or connectWebSocket / connectTcp). */
export class PantheonClient {
  /** Resolves (never rejects) with the reason once the connection is closed. */
  readonly closed: Promise<ConnectionClosedError>;
  private resolveClosed!: (reason: ConnectionClosedError) => void;
  private closeReason: ConnectionClosedError | null = null;
  private handshakeWaiter: HandshakeWaiter | null = null;
  private hello: ServerHello | null = null;
  private sealer: FrameSealer | null = null;
  private opener: FrameOpener | null = null;
  private readonly pending = new Map<number, PendingRequest>();
  private lastIndex = 0;
  private readonly pushListeners = new Set<PushListener>();
  private readonly closeListeners = new Set<CloseListener>();
  private heldPushes: IncomingPacket[] = [];
  private logout: LogoutInfo | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private lastInboundAt = Date.now();
  // Inbound packets are delivered in arrival order even when some need an async inflate.
  private inboundChain: Promise<void> = Promise.resolve();
  private inboundQueued = 0;

  private constructor(
    private readonly transport: Transport,
    private readonly options: ClientOptions,
  ) {
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  /**
   * Runs the handshake over an open transport. Rejects with HandshakeFailedError
   * (server refusal, bad signature, unknown key id, timeout, ...).
   */
  static async connect(transport: Transport, options: ClientOptions): Promise<PantheonClient> {
    let trusted: TrustedGateKeys;
    try {
      trusted = trustGateKeys(options.gateKeys);
    } catch (error) {
      transport.close();
      throw error;
    }
    const client = new PantheonClient(transport, options);
    const keyShare = createClientKeyShare();
    const clientHello = encodeClientHello({ token: options.token, keyShare });
    const timeoutMs = options.handshakeTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<PantheonClient>((resolve, reject) => {
      const timer = setTimeout(() => client.failHandshake(new HandshakeFailedError('TIMEOUT', `the gate did not answer the handshake within ${timeoutMs} ms`)), timeoutMs);
      client.handshakeWaiter = { resolve, reject, timer, clientHello, keyShare, trusted };
      transport.start({ body: (body) => client.receive(body), closed: (event) => client.transportClosed(event) });
      transport.send(clientHello);
    });
  }

  /** The gate's ServerHello (session id, heartbeat interval, frame limit, ...). */
  get serverHello(): ServerHello {
    if (!this.hello) throw new Error('serverHello is only available after connect() resolves');
    return this.hello;
  }

  get sessionId(): Uint8Array {
    return this.serverHello.sessionId;
  }

  get isOpen(): boolean {
    return this.closeReason === null;
  }

  get transportKind(): Transport['kind'] {
    return this.transport.kind;
  }

  /**
   * Sends one request and resolves with the gate's response (matched by index).
   * Rejects with RequestError when Packet.code ≠ 0, RequestTimeoutError,
   * ConnectionClosedError, or RangeError when the body would exceed
   * ServerHello.max_frame_bytes. Data is always sent uncompressed.
   */
  request(mod: number, seq: number, data: Uint8Array = EMPTY, options: RequestOptions = {}): Promise<IncomingPacket> {
    if (this.closeReason) return Promise.reject(this.closeReason);
    const index = this.nextIndex();
    const plaintext = Packet.encode({ mod, seq, obj: options.obj ?? 0n, index, data, compressed: false, dataVersion: options.dataVersion ?? 0n, code: 0 }).finish();
    const bodyLength = plaintext.length + (this.sealer ? GCM_TAG_BYTES : 0);
    const maxFrameBytes = this.serverHello.maxFrameBytes;
    if (maxFrameBytes > 0 && bodyLength > maxFrameBytes) {
      return Promise.reject(new RangeError(`request mod=${mod} seq=${seq} would be a ${bodyLength}-byte body; the gate accepts at most ${maxFrameBytes} (ServerHello.max_frame_bytes)`));
    }
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<IncomingPacket>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(index);
        reject(new RequestTimeoutError(mod, seq, index, timeoutMs));
      }, timeoutMs);
      this.pending.set(index, { resolve, reject, timer });
      this.transport.send(this.sealer ? this.sealer.seal(plaintext) : plaintext);
    });
  }

  /** System/Heartbeat round trip. Automatic heartbeats use this too. */
  async heartbeat(options: RequestOptions = {}): Promise<HeartbeatResult> {
    const sentAt = Date.now();
    const data = Heartbeat.encode({ clientTimeMs: BigInt(sentAt) }).finish();
    const reply = await this.request(Module.MODULE_SYSTEM, SystemSeq.SYSTEM_SEQ_HEARTBEAT, data, options);
    return { serverTimeMs: HeartbeatReply.decode(reply.data).serverTimeMs, roundTripMs: Date.now() - sentAt };
  }

  /**
   * Subscribes to server pushes (index 0), ServerLogout included. Pushes that
   * arrived before the first subscription are delivered to it. Returns an unsubscribe function.
   */
  onPush(listener: PushListener): () => void {
    this.pushListeners.add(listener);
    const held = this.heldPushes;
    this.heldPushes = [];
    for (const packet of held) this.notify(listener, packet);
    return () => this.pushListeners.delete(listener);
  }

  /** Called once when the connection closes, for whatever reason. Returns an unsubscribe function. */
  onClose(listener: CloseListener): () => void {
    if (this.closeReason) {
      this.notify(listener, this.closeReason);
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Closes the connection; pending requests reject with ConnectionClosedError('CLOSED_BY_CLIENT'). */
  close(): void {
    this.shutdown('CLOSED_BY_CLIENT', 'the client closed the connection');
  }

  private finishHandshake(waiter: HandshakeWaiter, replyBody: Uint8Array): void {
    let established: EstablishedHandshake;
    try {
      established = completeHandshake(waiter.clientHello, waiter.keyShare, replyBody, waiter.trusted);
      if (!established.keys && !this.options.allowPlaintext) {
        // `encrypted` is outside the signed transcript, so honouring it unasked would allow a downgrade.
        throw new HandshakeFailedError('PLAINTEXT_REFUSED', 'the gate runs with security.encrypt=false; set ClientOptions.allowPlaintext for dev gates only');
      }
    } catch (error) {
      this.failHandshake(error instanceof HandshakeFailedError ? error : new HandshakeFailedError('MALFORMED_REPLY', `the gate's reply could not be processed: ${(error as Error).message}`, undefined, { cause: error }));
      return;
    }
    this.handshakeWaiter = null;
    clearTimeout(waiter.timer);
    this.hello = established.serverHello;
    if (established.keys) {
      this.sealer = new FrameSealer(established.keys.c2sKey, established.keys.c2sIv);
      this.opener = new FrameOpener(established.keys.s2cKey, established.keys.s2cIv);
    }
    this.startHeartbeats();
    waiter.resolve(this);
  }

  private failHandshake(error: HandshakeFailedError): void {
    const waiter = this.handshakeWaiter;
    if (!waiter) return;
    this.handshakeWaiter = null;
    clearTimeout(waiter.timer);
    this.closeReason = new ConnectionClosedError('CONNECT_FAILED', error.message, { cause: error });
    this.transport.close();
    waiter.reject(error);
  }

  private receive(body: Uint8Array): void {
    if (this.closeReason) return;
    this.lastInboundAt = Date.now();
    if (this.handshakeWaiter) {
      this.finishHandshake(this.handshakeWaiter, body);
      return;
    }
    const plaintext = this.opener ? this.opener.open(body) : body;
    if (!plaintext) {
      this.shutdown('PROTOCOL_ERROR', 'a frame from the gate failed to authenticate (forged, replayed or reordered); closing');
      return;
    }
    let packet: Packet;
    try {
      packet = Packet.decode(plaintext);
    } catch (error) {
      this.shutdown('PROTOCOL_ERROR', 'a body from the gate is not a Packet; closing', { cause: error });
      return;
    }
    if (!packet.compressed && this.inboundQueued === 0) {
      this.dispatch(packet);
      return;
    }
    this.inboundQueued++;
    this.inboundChain = this.inboundChain.then(async () => {
      try {
        if (packet.compressed) packet.data = await this.inflate(packet.data);
      } catch (error) {
        this.shutdown('PROTOCOL_ERROR', `compressed data from the gate (mod=${packet.mod} seq=${packet.seq}) did not inflate: ${(error as Error).message}`, { cause: error });
        return;
      } finally {
        this.inboundQueued--;
      }
      this.dispatch(packet);
    });
  }

  private inflate(data: Uint8Array): Promise<Uint8Array> {
    const inflate = this.options.inflate ?? inflateWithDecompressionStream;
    return inflate(data, this.options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES);
  }

  private dispatch(packet: IncomingPacket): void {
    if (this.closeReason) return;
    if (packet.index !== 0) {
      const pending = this.pending.get(packet.index);
      // No entry: the request timed out already, and its late answer has nobody to go to.
      if (!pending) return;
      this.pending.delete(packet.index);
      clearTimeout(pending.timer);
      if (packet.code === 0) pending.resolve(packet);
      else pending.reject(new RequestError(packet.code, packet.mod, packet.seq, packet.index));
      return;
    }
    if (packet.mod === Module.MODULE_SYSTEM && packet.seq === SystemSeq.SYSTEM_SEQ_SERVER_LOGOUT) {
      try {
        const logout = ServerLogout.decode(packet.data);
        this.logout = { code: logout.code, reason: logout.reason };
      } catch (error) {
        this.shutdown('PROTOCOL_ERROR', 'the gate sent an undecodable ServerLogout; closing', { cause: error });
        return;
      }
    }
    if (this.pushListeners.size === 0) {
      if (this.heldPushes.length === MAX_HELD_PUSHES) this.heldPushes.shift();
      this.heldPushes.push(packet);
      return;
    }
    for (const listener of this.pushListeners) this.notify(listener, packet);
  }

  /** A throwing listener must not break delivery to the others; its error is rethrown outside. */
  private notify<T>(listener: (value: T) => void, value: T): void {
    try {
      listener(value);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  private transportClosed(event: TransportCloseEvent): void {
    const details: ConnectionCloseDetails = { logout: this.logout, wsCloseCode: event.wsCloseCode, wsCloseReason: event.wsCloseReason, cause: event.error };
    const wsSuffix = event.wsCloseCode === undefined ? '' : ` (WebSocket close ${event.wsCloseCode}${event.wsCloseReason ? ` ${event.wsCloseReason}` : ''})`;
    if (this.handshakeWaiter) {
      this.failHandshake(new HandshakeFailedError('CONNECTION_CLOSED', `the connection closed before the gate answered the handshake${wsSuffix}`, undefined, { cause: event.error }));
      return;
    }
    if (this.logout) this.shutdown('LOGGED_OUT', `the gate logged this session out (code ${this.logout.code}): ${this.logout.reason}`, details);
    else if (event.error) this.shutdown('TRANSPORT_ERROR', `the connection failed: ${event.error.message}${wsSuffix}`, details);
    else this.shutdown('CLOSED_BY_SERVER', `the gate closed the connection${wsSuffix}`, details);
  }

  private shutdown(code: ConnectionCloseCode, message: string, details: ConnectionCloseDetails = {}): void {
    if (this.closeReason) return;
    const reason = new ConnectionClosedError(code, message, { logout: this.logout, ...details });
    this.closeReason = reason;
    clearInterval(this.heartbeatTimer);
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(reason);
    }
    this.pending.clear();
    this.transport.close();
    for (const listener of this.closeListeners) this.notify(listener, reason);
    this.closeListeners.clear();
    this.resolveClosed(reason);
  }

  private startHeartbeats(): void {
    const interval = this.serverHello.heartbeatIntervalMs;
    if (this.options.autoHeartbeat === false || interval <= 0) return;
    this.heartbeatTimer = setInterval(() => {
      if (Date.now() - this.lastInboundAt > SILENT_INTERVALS_BEFORE_CLOSE * interval) {
        this.shutdown('HEARTBEAT_TIMEOUT', `nothing arrived from the gate for ${SILENT_INTERVALS_BEFORE_CLOSE} heartbeat intervals (${interval} ms each); closing`);
        return;
      }
      this.heartbeat().catch(() => {
        // A lost heartbeat is judged by the silence check above, and a closed
        // connection is reported through onClose/closed; nothing to add here.
      });
    }, interval);
  }

  private nextIndex(): number {
    do this.lastIndex = this.lastIndex === MAX_INDEX ? 1 : this.lastIndex + 1;
    while (this.pending.has(this.lastIndex));
    return this.lastIndex;
  }
}
