#!/usr/bin/env node
// Writes handshake-v1.json, the PANTHEON/1 known-answer vector that
// test/sdk/handshake-vector.test.ts checks against BOTH implementations (the
// gate's node:crypto code and the SDK's @noble code). It re-derives every value
// from the protocol text (docs/protocol.md, src/protocol/handshake.ts comments)
// with node:crypto directly instead of importing src/, so the vector pins the
// protocol rather than echoing whatever the code does today.
// Run once: node test/sdk/vectors/generate-handshake-v1.mjs (output is deterministic).
import { createCipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const fromHex = (text) => Buffer.from(text, 'hex');

// Fixed inputs: the X25519 keys are RFC 7748 §6.1's Alice and Bob, the Ed25519 seed is RFC 8032 §7.1 test 1.
const inputs = {
  client_x25519_private: '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a',
  server_x25519_private: '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb',
  ed25519_seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  key_id: 'gk-vector',
  token: 'vector-token.AAAA',
  client_time_ms: '1767225600000',
  client_nonce: '000102030405060708090a0b0c0d0e0f',
  server_time_ms: '1767225600123',
  session_id: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
};

const x25519Key = (raw) => createPrivateKey({ key: Buffer.concat([fromHex('302e020100300506032b656e04220420'), fromHex(raw)]), format: 'der', type: 'pkcs8' });
const ed25519Key = (seed) => createPrivateKey({ key: Buffer.concat([fromHex('302e020100300506032b657004220420'), fromHex(seed)]), format: 'der', type: 'pkcs8' });
const rawPublic = (privateKey) => createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(12);

const clientPriv = x25519Key(inputs.client_x25519_private);
const serverPriv = x25519Key(inputs.server_x25519_private);
const signingKey = ed25519Key(inputs.ed25519_seed);
const clientPub = rawPublic(clientPriv);
const serverPub = rawPublic(serverPriv);

// ClientHello (handshake.proto): fields in number order, proto3 defaults omitted (resume_ticket is empty).
const clientHello = new BinaryWriter()
  .tag(1, WireType.Varint).uint32(1)
  .tag(2, WireType.LengthDelimited).bytes(clientPub)
  .tag(3, WireType.LengthDelimited).string(inputs.token)
  .tag(5, WireType.Varint).int64(inputs.client_time_ms)
  .tag(6, WireType.LengthDelimited).bytes(fromHex(inputs.client_nonce))
  .finish();

// th = SHA-256("PANTHEON/1" ‖ u32be(len C) ‖ C ‖ server_pub ‖ u64be(server_time_ms) ‖ session_id)
const lengthC = Buffer.alloc(4);
lengthC.writeUInt32BE(clientHello.length);
const serverTime = Buffer.alloc(8);
serverTime.writeBigUInt64BE(BigInt(inputs.server_time_ms));
const th = createHash('sha256')
  .update(Buffer.concat([Buffer.from('PANTHEON/1'), lengthC, clientHello, serverPub, serverTime, fromHex(inputs.session_id)]))
  .digest();
const signature = sign(null, th, signingKey);

const shared = diffieHellman({ privateKey: clientPriv, publicKey: createPublicKey(serverPriv) });
const okm = Buffer.from(hkdfSync('sha256', shared, th, Buffer.from('PANTHEON/1 traffic keys'), 72));
const keys = { c2s_key: okm.subarray(0, 32), s2c_key: okm.subarray(32, 64), c2s_iv: okm.subarray(64, 68), s2c_iv: okm.subarray(68, 72) };

// Packet (packet.proto): mod=1, seq=2, index=4, data=5; proto3 defaults omitted.
const packet = (mod, seq, index, data) => {
  const writer = new BinaryWriter().tag(1, WireType.Varint).int32(mod).tag(2, WireType.Varint).int32(seq);
  if (index !== 0) writer.tag(4, WireType.Varint).uint32(index);
  if (data.length !== 0) writer.tag(5, WireType.LengthDelimited).bytes(Buffer.from(data));
  return writer.finish();
};
// AES-256-GCM, nonce = iv ‖ u64be(n), no AAD, body = ciphertext ‖ tag.
const seal = (key, iv, counter, plaintext) => {
  const nonce = Buffer.alloc(12);
  iv.copy(nonce, 0);
  nonce.writeBigUInt64BE(BigInt(counter), 4);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
};
const frames = (key, iv, plaintexts) => plaintexts.map((plaintext, counter) => ({ plaintext: hex(plaintext), sealed: hex(seal(key, iv, counter, plaintext)) }));

const vector = {
  description: 'PANTHEON/1 handshake and first frames; regenerate with node test/sdk/vectors/generate-handshake-v1.mjs',
  inputs,
  expected: {
    client_pub: hex(clientPub),
    server_pub: hex(serverPub),
    ed25519_pub: hex(rawPublic(signingKey)),
    client_hello: hex(clientHello),
    shared_secret: hex(shared),
    transcript_hash: hex(th),
    signature: hex(signature),
    c2s_key: hex(keys.c2s_key),
    s2c_key: hex(keys.s2c_key),
    c2s_iv: hex(keys.c2s_iv),
    s2c_iv: hex(keys.s2c_iv),
    c2s_frames: frames(keys.c2s_key, keys.c2s_iv, [packet(2, 1, 1, 'hello gate'), packet(1, 1, 2, '')]),
    s2c_frames: frames(keys.s2c_key, keys.s2c_iv, [packet(2, 1, 1, 'hello gate'), packet(100, 7, 0, 'a push')]),
  },
};

const out = join(dirname(fileURLToPath(import.meta.url)), 'handshake-v1.json');
writeFileSync(out, JSON.stringify(vector, null, 2) + '\n');
console.log(`wrote ${out}`);
