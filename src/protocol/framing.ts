// TCP framing for PANTHEON/1: u32be length L, then L body bytes, with
// 1 <= L <= maxFrameBytes. Shared by the gate's TCP transport and the SDK.
// Hot path: bodies are subarrays of the incoming chunk whenever a frame
// does not straddle reads; only straddling frames are copied.

export const FRAME_HEADER_BYTES = 4;

export class FrameLengthError extends Error {
  readonly code = 'FRAME_LENGTH_INVALID';
  constructor(readonly length: number, readonly maxFrameBytes: number) {
    super(`frame length ${length} is outside 1..${maxFrameBytes}`);
  }
}

export function encodeFrameHeader(length: number, out: Uint8Array = new Uint8Array(FRAME_HEADER_BYTES)): Uint8Array {
  out[0] = length >>> 24;
  out[1] = (length >>> 16) & 0xff;
  out[2] = (length >>> 8) & 0xff;
  out[3] = length & 0xff;
  return out;
}

export function encodeFrame(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + body.length);
  encodeFrameHeader(body.length, out);
  out.set(body, FRAME_HEADER_BYTES);
  return out;
}

/** Incremental decoder; feed it every chunk the socket yields, in order. */
export class FrameDecoder {
  private partial: Uint8Array | null = null; // a frame (or header) split across chunks
  private partialFilled = 0;
  private header = new Uint8Array(FRAME_HEADER_BYTES);
  private headerFilled = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /**
   * Calls `onBody` for each complete body, in order. Throws FrameLengthError
   * on a bad length; the caller must then close the connection, since the
   * stream can no longer be parsed.
   */
  push(chunk: Uint8Array, onBody: (body: Uint8Array) => void): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.partial === null) {
        if (this.headerFilled === 0 && chunk.length - offset >= FRAME_HEADER_BYTES) {
          const length = ((chunk[offset] << 24) | (chunk[offset + 1] << 16) | (chunk[offset + 2] << 8) | chunk[offset + 3]) >>> 0;
          this.checkLength(length);
          offset += FRAME_HEADER_BYTES;
          if (chunk.length - offset >= length) {
            onBody(chunk.subarray(offset, offset + length));
            offset += length;
          } else {
            this.startPartial(length);
          }
          continue;
        }
        // Header split across chunks.
        while (this.headerFilled < FRAME_HEADER_BYTES && offset < chunk.length) this.header[this.headerFilled++] = chunk[offset++];
        if (this.headerFilled < FRAME_HEADER_BYTES) return;
        const h = this.header;
        const length = ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
        this.headerFilled = 0;
        this.checkLength(length);
        this.startPartial(length);
        continue;
      }
      const partial = this.partial;
      const take = Math.min(partial.length - this.partialFilled, chunk.length - offset);
      partial.set(chunk.subarray(offset, offset + take), this.partialFilled);
      this.partialFilled += take;
      offset += take;
      if (this.partialFilled === partial.length) {
        this.partial = null;
        this.partialFilled = 0;
        onBody(partial);
      }
    }
  }

  /** Bytes held for an incomplete frame (for memory accounting). */
  get bufferedBytes(): number {
    return this.headerFilled + this.partialFilled;
  }

  private startPartial(length: number): void {
    this.partial = new Uint8Array(length);
    this.partialFilled = 0;
  }

  private checkLength(length: number): void {
    if (length < 1 || length > this.maxFrameBytes) throw new FrameLengthError(length, this.maxFrameBytes);
  }
}
