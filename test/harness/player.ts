// Test players: a registered Lares account, tokens on demand, SDK clients,
// and a "raw" session that exposes the frame layer so tests can tamper.
import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import WebSocket from 'ws';
import {
  completeHandshake,
  connectTcp,
  connectWebSocket,
  createClientKeyShare,
  encodeClientHello,
  FrameOpener,
  FrameSealer,
  LaresClient,
  Packet,
  trustGateKeys,
  type PantheonClient,
  type TokenGrant,
} from '../../src/sdk/node.js';
import { encodeFrame, FrameDecoder } from '../../src/protocol/framing.js';
import { HandshakeReply } from '../../src/gen/pantheon/client/v1/handshake.js';
import type { TestCluster } from './cluster.js';

export interface TestPlayer {
  lares: LaresClient;
  accountId: string;
  session: string;
  grant(color?: string): Promise<TokenGrant>;
  connect(transport?: 'ws' | 'tcp', options?: { autoHeartbeat?: boolean; allowPlaintext?: boolean }): Promise<PantheonClient>;
}

export async function newPlayer(cluster: TestCluster): Promise<TestPlayer> {
  const lares = new LaresClient(cluster.laresUrl);
  const account = await lares.register(`p_${randomBytes(6).toString('hex')}`, 'correct horse battery');
  const player: TestPlayer = {
    lares,
    accountId: account.account_id,
    session: account.session,
    grant: (color) => lares.issueToken(account.session, color),
    async connect(transport = 'ws', options = {}) {
      const grant = await player.grant();
      const common = { token: grant.token, gateKeys: grant.gate_keys, ...options };
      return transport === 'ws' ? connectWebSocket(grant.gates.ws[0], common) : connectTcp(grant.gates.tcp[0], common);
    },
  };
  return player;
}

/** Frame-level access to one session, for tests that tamper with bodies. */
export interface RawSession {
  /** Bodies received after the handshake, decrypted (null = did not authenticate). */
  received: (Packet | null)[];
  sealer: FrameSealer | null;
  opener: FrameOpener | null;
  sendBody(body: Uint8Array): void;
  sealPacket(packet: Partial<Packet>): Uint8Array;
  closed: Promise<{ code?: number }>;
  close(): void;
  /** Stops reading from the socket (to play a slow consumer). */
  pauseReading(): void;
}

export async function rawSession(grant: TokenGrant, transport: 'ws' | 'tcp' = 'ws', localAddress?: string): Promise<RawSession> {
  const keyShare = createClientKeyShare();
  const hello = encodeClientHello({ token: grant.token, keyShare });
  const bodies: Uint8Array[] = [];
  let onBody: (body: Uint8Array) => void = (b) => bodies.push(b);
  let send: (body: Uint8Array) => void;
  let close: () => void;
  let pause: () => void;
  let closed: Promise<{ code?: number }>;
  if (transport === 'ws') {
    const socket = new WebSocket(grant.gates.ws[0], { localAddress });
    socket.binaryType = 'nodebuffer';
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.on('message', (data: Buffer) => onBody(new Uint8Array(data)));
    closed = new Promise((resolve) => socket.once('close', (code) => resolve({ code })));
    send = (body) => socket.send(body);
    close = () => socket.close();
    pause = () => socket.pause();
  } else {
    const [host, port] = grant.gates.tcp[0].split(':');
    const socket: Socket = netConnect({ port: Number(port), host, localAddress });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const decoder = new FrameDecoder(1 << 24);
    socket.on('data', (chunk) => decoder.push(chunk, (body) => onBody(new Uint8Array(body))));
    socket.on('error', () => {});
    closed = new Promise((resolve) => socket.once('close', () => resolve({})));
    send = (body) => socket.write(encodeFrame(body));
    close = () => socket.destroy();
    pause = () => socket.pause();
  }
  send(hello);
  const reply = await new Promise<Uint8Array>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no handshake reply')), 5_000);
    const check = () => {
      if (bodies.length > 0) {
        clearTimeout(timer);
        resolve(bodies.shift()!);
      }
    };
    onBody = (b) => {
      bodies.push(b);
      check();
    };
    check();
  });
  const decoded = HandshakeReply.decode(reply);
  if (decoded.result?.$case !== 'hello') throw new Error(`handshake refused: ${JSON.stringify(decoded.result?.value)}`);
  const established = completeHandshake(hello, keyShare, reply, trustGateKeys(grant.gate_keys));
  const session: RawSession = {
    received: [],
    sealer: established.keys ? new FrameSealer(established.keys.c2sKey, established.keys.c2sIv) : null,
    opener: established.keys ? new FrameOpener(established.keys.s2cKey, established.keys.s2cIv) : null,
    sendBody: (body) => send(body),
    sealPacket(packet) {
      const plain = Packet.encode(Packet.fromPartial(packet)).finish();
      return session.sealer ? session.sealer.seal(plain) : plain;
    },
    closed,
    close,
    pauseReading: () => pause(),
  };
  onBody = (body) => {
    const plain = session.opener ? session.opener.open(body) : body;
    session.received.push(plain ? Packet.decode(plain) : null);
  };
  return session;
}

/** Sends a raw ClientHello-stage body and returns the handshake reply (or null if none came). */
export async function rawHandshakeReply(url: string, firstBody: Uint8Array | string, waitMs = 5_000, localAddress?: string): Promise<{ reply: HandshakeReply | null; closeCode: number }> {
  const socket = new WebSocket(url, { localAddress });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let reply: HandshakeReply | null = null;
  socket.on('message', (data: Buffer) => {
    reply = HandshakeReply.decode(new Uint8Array(data));
  });
  const closeCode = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  if (firstBody !== '') socket.send(firstBody);
  const timer = setTimeout(() => socket.terminate(), waitMs);
  const code = await closeCode;
  clearTimeout(timer);
  return { reply, closeCode: code };
}
