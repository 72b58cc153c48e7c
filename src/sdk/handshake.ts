// The client's side of the PANTHEON/1 handshake on @noble (browser-safe):
// build the ClientHello, check the gate's signed ServerHello, derive traffic
// keys. Pure functions, no I/O; PantheonClient drives them over a transport.
// The transcript layout and key split come from src/protocol/handshake.ts,
// shared with the gate, so the two sides cannot drift apart.
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ClientHello, HandshakeReply, type ServerHello } from '../gen/pantheon/client/v1/handshake.js';
import { fromBase64, isAllZero } from '../protocol/bytes.js';
import {
  CLIENT_NONCE_BYTES,
  PROTOCOL_VERSION,
  SESSION_ID_BYTES,
  splitTrafficKeys,
  TRAFFIC_KEY_INFO,
  TRAFFIC_OKM_BYTES,
  transcriptPreimage,
  X25519_KEY_BYTES,
  type TrafficKeys,
} from '../protocol/handshake.js';
import { HandshakeFailedError } from './errors.js';

/** One gate signing key, exactly as Lares lists it in the `gate_keys` of POST /v1/tokens. */
export interface GateKey {
  key_id: string;
  /** Base64 of the 32 raw Ed25519 public key bytes. */
  ed25519_pub: string;
}

/** Gate public keys by key id, decoded once. */
export type TrustedGateKeys = ReadonlyMap<string, Uint8Array>;

export interface ClientKeyShare {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

export interface ClientHelloInputs {
  token: string;
  keyShare: ClientKeyShare;
  /** Default: Date.now(). */
  clientTimeMs?: bigint;
  /** Default: 16 random bytes. */
  clientNonce?: Uint8Array;
}

/** What a successful handshake yields. */
export interface EstablishedHandshake {
  serverHello: ServerHello;
  transcriptHash: Uint8Array;
  /** Absent when the gate runs with encryption off (dev profile only). */
  keys?: TrafficKeys;
}

export function randomBytes(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

/** Decodes and validates the `gate_keys` list; throws TypeError on a malformed entry. */
export function trustGateKeys(gateKeys: readonly GateKey[]): TrustedGateKeys {
  const trusted = new Map<string, Uint8Array>();
  for (const entry of gateKeys) {
    let raw: Uint8Array | undefined;
    try {
      raw = fromBase64(entry.ed25519_pub);
    } catch {
      raw = undefined; // reported just below with the key id, which fromBase64 does not know
    }
    if (!entry.key_id || raw?.length !== 32) {
      throw new TypeError(`gate key "${entry.key_id}" must have a key_id and ed25519_pub = base64 of 32 bytes (pass gate_keys from POST /v1/tokens unchanged)`);
    }
    trusted.set(entry.key_id, raw);
  }
  return trusted;
}

/** A fresh X25519 key share. Pass `privateKey` only to reproduce a test vector. */
export function createClientKeyShare(privateKey: Uint8Array = randomBytes(X25519_KEY_BYTES)): ClientKeyShare {
  return { privateKey, publicKey: x25519.getPublicKey(privateKey) };
}

/** The ClientHello body. Keep these exact bytes: the transcript hash covers them. */
export function encodeClientHello(inputs: ClientHelloInputs): Uint8Array {
  return ClientHello.encode({
    version: PROTOCOL_VERSION,
    clientPub: inputs.keyShare.publicKey,
    token: inputs.token,
    resumeTicket: new Uint8Array(0),
    clientTimeMs: inputs.clientTimeMs ?? BigInt(Date.now()),
    clientNonce: inputs.clientNonce ?? randomBytes(CLIENT_NONCE_BYTES),
  }).finish();
}

export function computeTranscriptHash(clientHello: Uint8Array, serverPub: Uint8Array, serverTimeMs: bigint, sessionId: Uint8Array): Uint8Array {
  return sha256(transcriptPreimage(clientHello, serverPub, serverTimeMs, sessionId));
}

/** X25519 then HKDF-SHA256(shared, salt = th, info = TRAFFIC_KEY_INFO); refuses an all-zero secret. */
export function deriveClientTrafficKeys(clientPrivate: Uint8Array, serverPub: Uint8Array, th: Uint8Array): TrafficKeys {
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(clientPrivate, serverPub);
  } catch (error) {
    // noble throws on a low-order point, which is the same verdict as an all-zero secret.
    throw new HandshakeFailedError('ZERO_SHARED_SECRET', 'the gate sent a low-order X25519 key; refusing the session', undefined, { cause: error });
  }
  if (isAllZero(shared)) throw new HandshakeFailedError('ZERO_SHARED_SECRET', 'X25519 shared secret is all zero; refusing the session');
  return splitTrafficKeys(hkdf(sha256, shared, th, TRAFFIC_KEY_INFO, TRAFFIC_OKM_BYTES));
}

/** Decodes the gate's first body; a HandshakeError reply becomes HandshakeFailedError('SERVER_REJECTED'). */
export function decodeServerHello(body: Uint8Array): ServerHello {
  let reply: HandshakeReply;
  try {
    reply = HandshakeReply.decode(body);
  } catch (error) {
    throw new HandshakeFailedError('MALFORMED_REPLY', 'the gate\'s first body is not a HandshakeReply', undefined, { cause: error });
  }
  const result = reply.result;
  if (result?.$case === 'error') {
    const { code, message } = result.value;
    throw new HandshakeFailedError('SERVER_REJECTED', `the gate refused the handshake (code ${code}): ${message}`, code);
  }
  if (result?.$case !== 'hello') throw new HandshakeFailedError('MALFORMED_REPLY', 'HandshakeReply carries neither hello nor error');
  const hello = result.value;
  if (hello.version !== PROTOCOL_VERSION) {
    throw new HandshakeFailedError('UNSUPPORTED_VERSION', `the gate speaks PANTHEON/${hello.version}; this SDK speaks PANTHEON/${PROTOCOL_VERSION}`);
  }
  if (hello.serverPub.length !== X25519_KEY_BYTES || hello.sessionId.length !== SESSION_ID_BYTES) {
    throw new HandshakeFailedError('MALFORMED_REPLY', `ServerHello needs a ${X25519_KEY_BYTES}-byte server_pub and a ${SESSION_ID_BYTES}-byte session_id`);
  }
  return hello;
}

/** Checks the signature over th with the trusted key for `key_id`; returns th. */
export function verifyServerHello(clientHello: Uint8Array, hello: ServerHello, trusted: TrustedGateKeys): Uint8Array {
  const publicKey = trusted.get(hello.keyId);
  if (!publicKey) {
    throw new HandshakeFailedError('UNKNOWN_KEY_ID', `the gate signed with key "${hello.keyId}", which is not among the trusted gate keys [${[...trusted.keys()].join(', ')}]; fetch fresh gate_keys from Lares`);
  }
  const th = computeTranscriptHash(clientHello, hello.serverPub, hello.serverTimeMs, hello.sessionId);
  let valid: boolean;
  try {
    // zip215=false: strict RFC 8032, the same acceptance rule as the gate's OpenSSL.
    valid = ed25519.verify(hello.signature, th, publicKey, { zip215: false });
  } catch {
    // noble throws on malformed signature bytes; that is a bad signature.
    valid = false;
  }
  if (!valid) throw new HandshakeFailedError('BAD_SIGNATURE', `ServerHello signature does not verify with gate key "${hello.keyId}"; the gate is not who Lares vouched for`);
  return th;
}

/**
 * Everything the client does with the gate's reply: decode, verify, derive.
 * Throws HandshakeFailedError. `keys` is absent when the gate says it does not
 * encrypt; whether to accept that is the caller's policy (see PantheonClient).
 */
export function completeHandshake(clientHello: Uint8Array, keyShare: ClientKeyShare, replyBody: Uint8Array, trusted: TrustedGateKeys): EstablishedHandshake {
  const serverHello = decodeServerHello(replyBody);
  const transcriptHash = verifyServerHello(clientHello, serverHello, trusted);
  if (!serverHello.encrypted) return { serverHello, transcriptHash };
  return { serverHello, transcriptHash, keys: deriveClientTrafficKeys(keyShare.privateKey, serverHello.serverPub, transcriptHash) };
}
