// The gate's side of PANTHEON/1 key agreement, on node:crypto (5-30x faster
// here than the pure-JS @noble code the SDK uses; tests prove they agree).
import { createHash, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, sign, type KeyObject } from 'node:crypto';
import { isAllZero } from '../protocol/bytes.js';
import { splitTrafficKeys, TRAFFIC_KEY_INFO, TRAFFIC_OKM_BYTES, transcriptPreimage, X25519_KEY_BYTES, type TrafficKeys } from '../protocol/handshake.js';

const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

export interface ServerKeyShare {
  privateKey: KeyObject;
  publicRaw: Buffer;
}

export function generateServerKeyShare(): ServerKeyShare {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return { privateKey, publicRaw: publicKey.export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI_PREFIX.length) };
}

/** Returns null for a malformed key or a low-order point (all-zero shared secret). */
export function x25519SharedSecret(privateKey: KeyObject, peerPublicRaw: Uint8Array): Buffer | null {
  if (peerPublicRaw.length !== X25519_KEY_BYTES) return null;
  let shared: Buffer;
  try {
    const publicKey = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, peerPublicRaw]), format: 'der', type: 'spki' });
    shared = diffieHellman({ privateKey, publicKey });
  } catch {
    // OpenSSL refuses some low-order points outright; that is the same verdict as all-zero.
    return null;
  }
  return isAllZero(shared) ? null : shared;
}

export function transcriptHash(clientHello: Uint8Array, serverPub: Uint8Array, serverTimeMs: bigint, sessionId: Uint8Array): Buffer {
  return createHash('sha256').update(transcriptPreimage(clientHello, serverPub, serverTimeMs, sessionId)).digest();
}

export function signTranscript(signingKey: KeyObject, th: Uint8Array): Buffer {
  return sign(null, th, signingKey);
}

export function deriveTrafficKeys(sharedSecret: Uint8Array, th: Uint8Array): TrafficKeys {
  return splitTrafficKeys(new Uint8Array(hkdfSync('sha256', sharedSecret, th, TRAFFIC_KEY_INFO, TRAFFIC_OKM_BYTES)));
}
