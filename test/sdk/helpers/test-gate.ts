// A tiny in-test PANTHEON/1 server built on the gate's own primitives
// (src/security/node-handshake.ts, src/security/frame-cipher.ts), so SDK tests
// prove interop with the server side without starting a gate. Plus ways to
// carry it: in memory, over a `ws` server, over a TCP server.
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { deflateSync } from 'node:zlib';
import { WebSocketServer } from 'ws';
import { ClientHello, HandshakeReply, type ServerHello } from '../../../src/gen/pantheon/client/v1/handshake.js';
import { HeartbeatReply, Module, Packet, PacketCode, ServerLogout, SystemSeq } from '../../../src/gen/pantheon/client/v1/packet.js';
import { toBase64 } from '../../../src/protocol/bytes.js';
import { encodeFrame, FrameDecoder } from '../../../src/protocol/framing.js';
import type { TrafficKeys } from '../../../src/protocol/handshake.js';
import { FrameOpener, FrameSealer } from '../../../src/security/frame-cipher.js';
import { deriveTrafficKeys, generateServerKeyShare, signTranscript, transcriptHash, x25519SharedSecret } from '../../../src/security/node-handshake.js';
import type { GateKey } from '../../../src/sdk/handshake.js';
import { TransportInbox, type Transport } from '../../../src/sdk/transports/transport.js';

export interface GateIdentity {
  keyId: string;
  signingKey: KeyObject;
  gateKey: GateKey;
}

export function createGateIdentity(keyId = 'gk-test'): GateIdentity {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  return { keyId, signingKey: privateKey, gateKey: { key_id: keyId, ed25519_pub: toBase64(raw) } };
}

/** Return a response, null for no response, undefined for the default handling. */
export type PacketHandler = (packet: Packet, session: TestGateSession) => Partial<Packet> | null | undefined;

export interface TestGateOptions {
  identity: GateIdentity;
  /** Sign with this key instead of the identity's (a forged gate). */
  signWith?: KeyObject;
  /** Announce this key id instead of the identity's. */
  announceKeyId?: string;
  /** Answer the ClientHello with this HandshakeError. */
  handshakeError?: { code: number; message: string };
  /** Never answer the ClientHello. */
  silent?: boolean;
  encrypted?: boolean;
  heartbeatIntervalMs?: number;
  maxFrameBytes?: number;
  /** zlib responses whose data is at least this long. Default: never. */
  compressAtBytes?: number;
  /** Runs before the default handlers (heartbeat, echo). */
  onPacket?: PacketHandler;
}

/** The server side of one connection. */
export class TestGateSession {
  clientHello?: ClientHello;
  serverHello?: ServerHello;
  keys?: TrafficKeys;
  readonly received: Packet[] = [];
  private sealer?: FrameSealer;
  private opener?: FrameOpener;

  constructor(
    private readonly options: TestGateOptions,
    private readonly sendBody: (body: Uint8Array) => void,
    private readonly closeConnection: () => void,
  ) {}

  receive(body: Uint8Array): void {
    if (!this.clientHello) {
      this.handshake(body);
      return;
    }
    const plaintext = this.opener ? this.opener.open(body) : body;
    if (!plaintext) {
      this.close(); // what the gate does with a frame that does not open
      return;
    }
    const packet = Packet.decode(plaintext);
    this.received.push(packet);
    const custom = this.options.onPacket?.(packet, this);
    const response = custom === undefined ? defaultResponse(packet) : custom;
    if (response) this.send({ mod: packet.mod, seq: packet.seq, index: packet.index, ...response });
  }

  /** Seals (when encrypted) and sends a packet; data is compressed past compressAtBytes. */
  send(fields: Partial<Packet>): void {
    const packet = Packet.fromPartial(fields);
    const threshold = this.options.compressAtBytes;
    if (!packet.compressed && threshold !== undefined && packet.data.length >= threshold) {
      packet.data = deflateSync(packet.data);
      packet.compressed = true;
    }
    this.sendBody(this.seal(Packet.encode(packet).finish()));
  }

  push(mod: number, seq: number, data: Uint8Array): void {
    this.send({ mod, seq, index: 0, data });
  }

  logout(code: number, reason: string): void {
    this.push(Module.MODULE_SYSTEM, SystemSeq.SYSTEM_SEQ_SERVER_LOGOUT, ServerLogout.encode({ code, reason }).finish());
    this.close();
  }

  /** Seals without sending, advancing the s2c counter (for tampering tests). */
  seal(plaintext: Uint8Array): Uint8Array {
    return this.sealer ? this.sealer.seal(plaintext) : plaintext;
  }

  sendRaw(body: Uint8Array): void {
    this.sendBody(body);
  }

  close(): void {
    this.closeConnection();
  }

  private handshake(body: Uint8Array): void {
    const options = this.options;
    this.clientHello = ClientHello.decode(body);
    if (options.silent) return;
    if (options.handshakeError) {
      this.sendBody(HandshakeReply.encode({ result: { $case: 'error', value: options.handshakeError } }).finish());
      this.close();
      return;
    }
    const share = generateServerKeyShare();
    const sessionId = randomBytes(16);
    const serverTimeMs = BigInt(Date.now());
    const th = transcriptHash(body, share.publicRaw, serverTimeMs, sessionId);
    const shared = x25519SharedSecret(share.privateKey, this.clientHello.clientPub);
    if (!shared) throw new Error('test gate: client sent a bad X25519 key');
    const encrypted = options.encrypted ?? true;
    this.serverHello = {
      version: 1,
      serverPub: share.publicRaw,
      signature: signTranscript(options.signWith ?? options.identity.signingKey, th),
      keyId: options.announceKeyId ?? options.identity.keyId,
      serverTimeMs,
      sessionId,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 10_000,
      maxFrameBytes: options.maxFrameBytes ?? 65_536,
      resumeTicket: new Uint8Array(0),
      encrypted,
    };
    this.sendBody(HandshakeReply.encode({ result: { $case: 'hello', value: this.serverHello } }).finish());
    if (!encrypted) return;
    this.keys = deriveTrafficKeys(shared, th);
    this.sealer = new FrameSealer(this.keys.s2cKey, this.keys.s2cIv);
    this.opener = new FrameOpener(this.keys.c2sKey, this.keys.c2sIv);
  }
}

function defaultResponse(packet: Packet): Partial<Packet> {
  if (packet.mod === Module.MODULE_SYSTEM && packet.seq === SystemSeq.SYSTEM_SEQ_HEARTBEAT) {
    return { data: HeartbeatReply.encode({ serverTimeMs: BigInt(Date.now()) }).finish() };
  }
  if (packet.mod === Module.MODULE_ECHO && packet.seq === 1) return { data: packet.data };
  return { code: PacketCode.PACKET_CODE_UNKNOWN_MODULE };
}

/** A client Transport wired to a TestGateSession in memory; delivery is asynchronous like a socket. */
export function memoryConnection(options: TestGateOptions): { transport: Transport; gate: TestGateSession } {
  const inbox = new TransportInbox();
  let open = true;
  const closeBoth = () => {
    if (!open) return;
    open = false;
    queueMicrotask(() => inbox.closed({}));
  };
  const gate = new TestGateSession(
    options,
    (body) => {
      if (open) queueMicrotask(() => inbox.body(body));
    },
    closeBoth,
  );
  const transport: Transport = {
    kind: 'memory',
    start: (handlers) => inbox.start(handlers),
    send: (body) => {
      if (open) queueMicrotask(() => gate.receive(body));
    },
    close: closeBoth,
  };
  return { transport, gate };
}

export interface RunningGate {
  url: string;
  address: { host: string; port: number };
  sessions: TestGateSession[];
  stop(): Promise<void>;
}

/** A `ws` server on a free loopback port, one TestGateSession per connection. */
export async function startWsGate(options: TestGateOptions): Promise<RunningGate> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const sessions: TestGateSession[] = [];
  server.on('connection', (socket) => {
    const session = new TestGateSession(options, (body) => socket.send(body), () => socket.close(1000, 'bye'));
    sessions.push(session);
    socket.on('message', (data: Buffer) => session.receive(new Uint8Array(data)));
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    address: { host: '127.0.0.1', port },
    sessions,
    stop: () =>
      new Promise((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

/** A TCP server on a free loopback port speaking u32be-framed bodies. */
export async function startTcpGate(options: TestGateOptions): Promise<RunningGate> {
  const sockets = new Set<Socket>();
  const sessions: TestGateSession[] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const decoder = new FrameDecoder(options.maxFrameBytes ?? 65_536);
    const session = new TestGateSession(options, (body) => socket.write(encodeFrame(body)), () => socket.end());
    sessions.push(session);
    socket.on('data', (chunk) => decoder.push(chunk, (body) => session.receive(body)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `127.0.0.1:${port}`,
    address: { host: '127.0.0.1', port },
    sessions,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
