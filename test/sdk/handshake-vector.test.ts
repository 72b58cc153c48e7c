// The checked-in PANTHEON/1 known-answer vector (vectors/handshake-v1.json,
// made by vectors/generate-handshake-v1.mjs from the protocol text) against
// both implementations: the gate's node:crypto code and the SDK's @noble code.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HandshakeReply } from '../../src/gen/pantheon/client/v1/handshake.js';
import { Packet } from '../../src/gen/pantheon/client/v1/packet.js';
import { toBase64, toHex } from '../../src/protocol/bytes.js';
import { FrameOpener as NodeFrameOpener, FrameSealer as NodeFrameSealer } from '../../src/security/frame-cipher.js';
import { deriveTrafficKeys, signTranscript, transcriptHash, x25519SharedSecret } from '../../src/security/node-handshake.js';
import { FrameOpener, FrameSealer } from '../../src/sdk/frame-cipher.js';
import { completeHandshake, computeTranscriptHash, createClientKeyShare, deriveClientTrafficKeys, encodeClientHello, trustGateKeys } from '../../src/sdk/handshake.js';

interface Frame {
  plaintext: string;
  sealed: string;
}
const vector = JSON.parse(readFileSync(new URL('./vectors/handshake-v1.json', import.meta.url), 'utf8')) as {
  inputs: Record<string, string>;
  expected: Record<string, string> & { c2s_frames: Frame[]; s2c_frames: Frame[] };
};
const { inputs, expected } = vector;
const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
const pkcs8 = (prefix: string, raw: string) => createPrivateKey({ key: Buffer.from(prefix + raw, 'hex'), format: 'der', type: 'pkcs8' });

const clientHello = bytes(expected.client_hello);
const serverPub = bytes(expected.server_pub);
const serverTimeMs = BigInt(inputs.server_time_ms);
const sessionId = bytes(inputs.session_id);

describe('PANTHEON/1 vector handshake-v1', () => {
  it('the SDK encodes the vector ClientHello byte for byte', () => {
    const keyShare = createClientKeyShare(bytes(inputs.client_x25519_private));
    expect(toHex(keyShare.publicKey)).toBe(expected.client_pub);
    const encoded = encodeClientHello({ token: inputs.token, keyShare, clientTimeMs: BigInt(inputs.client_time_ms), clientNonce: bytes(inputs.client_nonce) });
    expect(toHex(encoded)).toBe(expected.client_hello);
  });

  it('both sides compute the vector transcript hash', () => {
    expect(toHex(computeTranscriptHash(clientHello, serverPub, serverTimeMs, sessionId))).toBe(expected.transcript_hash);
    expect(toHex(transcriptHash(clientHello, serverPub, serverTimeMs, sessionId))).toBe(expected.transcript_hash);
  });

  it('the gate side reproduces the vector signature', () => {
    const signingKey = pkcs8('302e020100300506032b657004220420', inputs.ed25519_seed);
    expect(toHex(signTranscript(signingKey, bytes(expected.transcript_hash)))).toBe(expected.signature);
  });

  it('both sides derive the vector traffic keys', () => {
    const th = bytes(expected.transcript_hash);
    const noble = deriveClientTrafficKeys(bytes(inputs.client_x25519_private), serverPub, th);
    const shared = x25519SharedSecret(pkcs8('302e020100300506032b656e04220420', inputs.server_x25519_private), bytes(expected.client_pub));
    expect(shared && toHex(shared)).toBe(expected.shared_secret);
    const node = deriveTrafficKeys(shared!, th);
    for (const keys of [noble, node]) {
      expect(toHex(keys.c2sKey)).toBe(expected.c2s_key);
      expect(toHex(keys.s2cKey)).toBe(expected.s2c_key);
      expect(toHex(keys.c2sIv)).toBe(expected.c2s_iv);
      expect(toHex(keys.s2cIv)).toBe(expected.s2c_iv);
    }
  });

  it('the SDK accepts the vector ServerHello and derives the same keys', () => {
    const reply = HandshakeReply.encode({
      result: {
        $case: 'hello',
        value: {
          version: 1,
          serverPub,
          signature: bytes(expected.signature),
          keyId: inputs.key_id,
          serverTimeMs,
          sessionId,
          heartbeatIntervalMs: 10_000,
          maxFrameBytes: 65_536,
          resumeTicket: new Uint8Array(0),
          encrypted: true,
        },
      },
    }).finish();
    const trusted = trustGateKeys([{ key_id: inputs.key_id, ed25519_pub: toBase64(bytes(expected.ed25519_pub)) }]);
    const established = completeHandshake(clientHello, createClientKeyShare(bytes(inputs.client_x25519_private)), reply, trusted);
    expect(toHex(established.transcriptHash)).toBe(expected.transcript_hash);
    expect(toHex(established.keys!.c2sKey)).toBe(expected.c2s_key);
    expect(toHex(established.keys!.s2cIv)).toBe(expected.s2c_iv);
  });

  it('the vector plaintexts are canonical Packet encodings', () => {
    for (const frame of [...expected.c2s_frames, ...expected.s2c_frames]) {
      expect(toHex(Packet.encode(Packet.decode(bytes(frame.plaintext))).finish())).toBe(frame.plaintext);
    }
  });

  it.each([
    ['c2s', expected.c2s_key, expected.c2s_iv, expected.c2s_frames],
    ['s2c', expected.s2c_key, expected.s2c_iv, expected.s2c_frames],
  ] as const)('both sides seal and open the vector %s frames in order', (_direction, key, iv, frames) => {
    const sealers = [new FrameSealer(bytes(key), bytes(iv)), new NodeFrameSealer(bytes(key), bytes(iv))];
    const openers = [new FrameOpener(bytes(key), bytes(iv)), new NodeFrameOpener(bytes(key), bytes(iv))];
    for (const frame of frames) {
      for (const sealer of sealers) expect(toHex(sealer.seal(bytes(frame.plaintext)))).toBe(frame.sealed);
      for (const opener of openers) expect(toHex(opener.open(bytes(frame.sealed))!)).toBe(frame.plaintext);
    }
  });
});
