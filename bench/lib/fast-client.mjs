// A lean PANTHEON/1 load client on node:crypto (the SDK's @noble crypto is
// browser-safe but ~30x slower, which would make the client the bottleneck).
// It speaks exactly the protocol in docs/protocol.md over WebSocket.
import { randomBytes, verify } from 'node:crypto';
import WebSocket from 'ws';
import { ClientHello, HandshakeReply } from '../../dist/gen/pantheon/client/v1/handshake.js';
import { Packet } from '../../dist/gen/pantheon/client/v1/packet.js';
import { generateServerKeyShare as generateKeyShare, x25519SharedSecret, transcriptHash, deriveTrafficKeys } from '../../dist/security/node-handshake.js';
import { FrameOpener, FrameSealer } from '../../dist/security/frame-cipher.js';
import { ed25519PublicFromRaw } from '../../dist/security/keys.js';

export async function openSession(url, token, gatePublicKeys) {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  socket.binaryType = 'nodebuffer';
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const share = generateKeyShare();
  const hello = ClientHello.encode({ version: 1, clientPub: share.publicRaw, token, resumeTicket: new Uint8Array(0), clientTimeMs: BigInt(Date.now()), clientNonce: randomBytes(16) }).finish();
  socket.send(hello);
  const replyBody = await new Promise((resolve, reject) => {
    socket.once('message', resolve);
    socket.once('close', () => reject(new Error('closed during handshake')));
  });
  const reply = HandshakeReply.decode(replyBody);
  if (reply.result?.$case !== 'hello') throw new Error(`handshake refused: ${JSON.stringify(reply.result?.value)}`);
  const serverHello = reply.result.value;
  const th = transcriptHash(hello, serverHello.serverPub, serverHello.serverTimeMs, serverHello.sessionId);
  const publicKey = gatePublicKeys.get(serverHello.keyId);
  if (!publicKey || !verify(null, th, publicKey, serverHello.signature)) throw new Error('bad gate signature');
  const shared = x25519SharedSecret(share.privateKey, serverHello.serverPub);
  const keys = deriveTrafficKeys(shared, th);
  const sealer = new FrameSealer(keys.c2sKey, keys.c2sIv);
  const opener = new FrameOpener(keys.s2cKey, keys.s2cIv);
  let index = 0;
  const pending = new Map();
  socket.on('message', (body) => {
    const plain = opener.open(body);
    if (!plain) throw new Error('response failed authentication');
    const packet = Packet.decode(plain);
    const resolve = pending.get(packet.index);
    pending.delete(packet.index);
    resolve?.(packet);
  });
  return {
    socket,
    request(mod, seq, data) {
      index = (index + 1) >>> 0 || 1;
      const packetIndex = index;
      const body = sealer.seal(Packet.encode({ mod, seq, obj: 0n, index: packetIndex, data, compressed: false, dataVersion: 0n, code: 0 }).finish());
      return new Promise((resolve) => {
        pending.set(packetIndex, resolve);
        socket.send(body);
      });
    },
    close() {
      socket.close();
    },
  };
}

export function gateKeyMap(gateKeysFile) {
  return new Map(gateKeysFile.keys.map((k) => [k.id, ed25519PublicFromRaw(Buffer.from(k.public_key, 'base64'))]));
}
