// Inflating zlib (RFC 1950) Packet.data from the gate, behind a function type
// so the browser entry never imports node:zlib (src/sdk/node.ts supplies a
// node:zlib implementation). Both enforce a cap against decompression bombs.
import { concatBytes } from '../protocol/bytes.js';

/** Inflates zlib data; rejects when the output would exceed `maxBytes`. */
export type Inflate = (data: Uint8Array, maxBytes: number) => Promise<Uint8Array>;

export class InflateLimitError extends Error {
  override readonly name = 'InflateLimitError';
  readonly code = 'INFLATE_LIMIT';

  constructor(readonly maxBytes: number) {
    super(`inflated data exceeds ${maxBytes} bytes; raise ClientOptions.maxInflatedBytes if the gate legitimately sends more`);
  }
}

/** Inflate via the Compression Streams API ('deflate' there means zlib-wrapped). */
export const inflateWithDecompressionStream: Inflate = async (data, maxBytes) => {
  if (typeof DecompressionStream !== 'function') {
    throw new Error('this runtime has no DecompressionStream: pass ClientOptions.inflate (Node: use the inflate from the SDK\'s node entry)');
  }
  // Blob.stream() feeds the input and surfaces inflate errors through the reader.
  const reader = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate')).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new InflateLimitError(maxBytes);
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0] : concatBytes(...chunks);
};
