// zlib (RFC 1950) for Packet.data: outbound data at or over the threshold is
// deflated when that makes it smaller; inbound compressed data is inflated
// with a hard output cap so a zlib bomb cannot exhaust the worker.
import { deflateSync, inflateSync, constants } from 'node:zlib';

export type InflateResult = { ok: true; data: Buffer } | { ok: false; reason: 'too_large' | 'corrupt' };

export function inflateCapped(data: Uint8Array, maxBytes: number): InflateResult {
  try {
    return { ok: true, data: inflateSync(data, { maxOutputLength: maxBytes }) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === 'ERR_BUFFER_TOO_LARGE' ? 'too_large' : 'corrupt' };
  }
}

/** Returns the deflated bytes, or null when compressing is not worth it. */
export function deflateIfSmaller(data: Uint8Array, thresholdBytes: number): Buffer | null {
  if (data.length < thresholdBytes) return null;
  const deflated = deflateSync(data, { level: constants.Z_BEST_SPEED });
  return deflated.length < data.length ? deflated : null;
}
