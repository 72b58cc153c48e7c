// PANTHEON/1 handshake arithmetic shared by the gate (node:crypto) and the SDK
// (@noble): what is hashed, how keys are split, how nonces are built. The
// primitives themselves are supplied by each side; this file imports none.
import { concatBytes, utf8 } from './bytes.js';

export const PROTOCOL_VERSION = 1;
export const X25519_KEY_BYTES = 32;
export const CLIENT_NONCE_BYTES = 16;
export const SESSION_ID_BYTES = 16;
export const GCM_TAG_BYTES = 16;
export const GCM_NONCE_BYTES = 12;
export const TRANSCRIPT_LABEL = utf8('PANTHEON/1');
export const TRAFFIC_KEY_INFO = utf8('PANTHEON/1 traffic keys');
export const TRAFFIC_OKM_BYTES = 72;

/**
 * The bytes whose SHA-256 is the transcript hash:
 * "PANTHEON/1" ‖ u32be(len(C)) ‖ C ‖ server_pub ‖ u64be(server_time_ms) ‖ session_id,
 * where C is the ClientHello body exactly as it travelled.
 */
export function transcriptPreimage(clientHello: Uint8Array, serverPub: Uint8Array, serverTimeMs: bigint, sessionId: Uint8Array): Uint8Array {
  const lengths = new Uint8Array(4);
  new DataView(lengths.buffer).setUint32(0, clientHello.length, false);
  const time = new Uint8Array(8);
  new DataView(time.buffer).setBigUint64(0, BigInt.asUintN(64, serverTimeMs), false);
  return concatBytes(TRANSCRIPT_LABEL, lengths, clientHello, serverPub, time, sessionId);
}

export interface TrafficKeys {
  c2sKey: Uint8Array;
  s2cKey: Uint8Array;
  c2sIv: Uint8Array;
  s2cIv: Uint8Array;
}

/** okm = HKDF-SHA256(shared, salt = th, info = TRAFFIC_KEY_INFO, 72 bytes). */
export function splitTrafficKeys(okm: Uint8Array): TrafficKeys {
  if (okm.length !== TRAFFIC_OKM_BYTES) throw new Error(`traffic key material must be ${TRAFFIC_OKM_BYTES} bytes, got ${okm.length}`);
  return {
    c2sKey: okm.slice(0, 32),
    s2cKey: okm.slice(32, 64),
    c2sIv: okm.slice(64, 68),
    s2cIv: okm.slice(68, 72),
  };
}

/**
 * Writes the AES-GCM nonce iv(4) ‖ u64be(counter) into `out` (12 bytes).
 * Counters stay below 2^53 in practice (a frame per microsecond for 285 years).
 */
export function writeFrameNonce(iv: Uint8Array, counter: number, out: Uint8Array): Uint8Array {
  out[0] = iv[0];
  out[1] = iv[1];
  out[2] = iv[2];
  out[3] = iv[3];
  const high = Math.floor(counter / 0x1_0000_0000);
  const low = counter >>> 0;
  out[4] = high >>> 24;
  out[5] = (high >>> 16) & 0xff;
  out[6] = (high >>> 8) & 0xff;
  out[7] = high & 0xff;
  out[8] = low >>> 24;
  out[9] = (low >>> 16) & 0xff;
  out[10] = (low >>> 8) & 0xff;
  out[11] = low & 0xff;
  return out;
}
