// A lean PANTHEON/1 load client on node:crypto (the SDK's @noble crypto is
// browser-safe but ~30x slower, which would make the client the bottleneck).
// It speaks exactly the protocol in docs/protocol.md over WebSocket; request
// packets are hand-encoded and responses only scanned for index and code, so
// the load path does not build a protobuf object per message.
import { randomBytes, verify } from 'node:crypto';
import WebSocket from 'ws';
import { ClientHello, HandshakeReply } from '../../dist/gen/pantheon/client/v1/handshake.js';
import { generateServerKeyShare as generateKeyShare, x25519SharedSecret, transcriptHash, deriveTrafficKeys } from '../../dist/security/node-handshake.js';
import { FrameOpener, FrameSealer } from '../../dist/security/frame-cipher.js';
import { ed25519PublicFromRaw } from '../../dist/security/keys.js';

// A zero mask makes `ws` skip the XOR pass over every frame it sends. The
// server still unmasks as usual; this only keeps the client's CPU for load.
const zeroMask = () => {};

/**
 * A bare WebSocket (used as is by the baseline and under the handshake).
 * `onMessage` is attached before the upgrade completes: a server that speaks
 * first (Colyseus) can have its first message parsed in the same read as the
 * upgrade response, before a listener added after `open` would exist.
 */
export function openSocket(url, localAddress, onMessage) {
  const socket = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true, generateMask: zeroMask, localAddress });
  socket.binaryType = 'nodebuffer';
  if (onMessage) socket.on('message', onMessage);
  return new Promise((resolve, reject) => socket.once('open', () => resolve(socket)).once('error', reject));
}

/**
 * Connects and completes PANTHEON/1; resolves with the socket and both frame
 * ciphers. `verifySignature: false` skips only the client's Ed25519 verify
 * (the handshake scenario samples it, see load-worker.mjs).
 */
export async function handshake(url, token, gatePublicKeys, { localAddress, verifySignature = true } = {}) {
  const socket = await openSocket(url, localAddress);
  const share = generateKeyShare();
  const hello = ClientHello.encode({ version: 1, clientPub: share.publicRaw, token, resumeTicket: new Uint8Array(0), clientTimeMs: BigInt(Date.now()), clientNonce: randomBytes(16) }).finish();
  socket.send(hello);
  const replyBody = await new Promise((resolve, reject) => {
    const closed = () => reject(new Error('closed during handshake'));
    socket.once('close', closed);
    socket.once('message', (body) => { socket.off('close', closed); resolve(body); });
  });
  const reply = HandshakeReply.decode(replyBody);
  if (reply.result?.$case !== 'hello') {
    socket.terminate();
    throw new Error(`handshake refused: ${JSON.stringify(reply.result?.value)}`);
  }
  const serverHello = reply.result.value;
  const th = transcriptHash(hello, serverHello.serverPub, serverHello.serverTimeMs, serverHello.sessionId);
  const publicKey = gatePublicKeys.get(serverHello.keyId);
  if (verifySignature && (!publicKey || !verify(null, th, publicKey, serverHello.signature))) throw new Error('bad gate signature');
  const keys = deriveTrafficKeys(x25519SharedSecret(share.privateKey, serverHello.serverPub), th);
  return { socket, sealer: new FrameSealer(keys.c2sKey, keys.c2sIv), opener: new FrameOpener(keys.s2cKey, keys.s2cIv) };
}

/** Unsigned varint of a non-negative safe integer (room ids pass 2^32, so no 32-bit shifts). */
function writeVarint(buffer, at, value) {
  while (value > 0x7f) {
    buffer[at++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  buffer[at++] = value;
  return at;
}

/**
 * Sends on `ws` sockets with their net.Socket corked until the end of the
 * event-loop turn, so a turn's frames leave in one write per socket.
 */
export function corkedWriter() {
  const corked = [];
  let flushScheduled = false;
  const flush = () => {
    flushScheduled = false;
    for (const raw of corked) {
      raw.benchCorked = false;
      raw.uncork();
    }
    corked.length = 0;
  };
  return (socket, body) => {
    const raw = socket._socket;
    if (raw && !raw.benchCorked) {
      raw.benchCorked = true;
      raw.cork();
      corked.push(raw);
      if (!flushScheduled) { flushScheduled = true; setImmediate(flush); }
    }
    socket.send(body);
  };
}

/**
 * Writes Packet fields mod 1, seq 2, obj 3 (when non-zero), index 4 and the
 * tag and length of data 5 (proto/pantheon/client/v1/packet.proto) at the
 * start of `buffer`; returns where the data goes.
 */
export function writePacketHead(buffer, mod, seq, obj, index, dataLength) {
  let at = 0;
  buffer[at++] = 0x08; at = writeVarint(buffer, at, mod);
  buffer[at++] = 0x10; at = writeVarint(buffer, at, seq);
  if (obj) { buffer[at++] = 0x18; at = writeVarint(buffer, at, obj); }
  buffer[at++] = 0x20; at = writeVarint(buffer, at, index);
  buffer[at++] = 0x2a; return writeVarint(buffer, at, dataLength);
}

/** Packet{mod, seq, index, data} encoder reusing one scratch buffer per connection. */
export function packetEncoder(mod, seq, data) {
  const scratch = Buffer.alloc(32 + data.length);
  return (index) => {
    const at = writePacketHead(scratch, mod, seq, 0, index, data.length);
    scratch.set(data, at);
    return scratch.subarray(0, at + data.length);
  };
}

/** Reads Packet.index and Packet.code into `out` without decoding the rest. */
export function scanPacket(bytes, out) {
  out.index = 0;
  out.code = 0;
  let at = 0;
  while (at < bytes.length) {
    let tag = 0, shift = 0, b;
    do { b = bytes[at++]; tag |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    const wire = tag & 7, field = tag >>> 3;
    if (wire === 0) {
      let value = 0, mul = 1;
      do { b = bytes[at++]; value += (b & 0x7f) * mul; mul *= 128; } while (b & 0x80);
      if (field === 4) out.index = value;
      else if (field === 8) out.code = value;
    } else if (wire === 2) {
      let len = 0; shift = 0;
      do { b = bytes[at++]; len |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
      at += len;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else throw new Error(`unexpected wire type ${wire} in a Packet`);
  }
  return out;
}

export function gateKeyMap(gateKeysFile) {
  return new Map(gateKeysFile.keys.map((k) => [k.id, ed25519PublicFromRaw(Buffer.from(k.public_key, 'base64'))]));
}
