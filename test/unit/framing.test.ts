import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, FrameLengthError } from '../../src/protocol/framing.js';

function bodies(decoder: FrameDecoder, chunks: Uint8Array[]): number[][] {
  const out: number[][] = [];
  for (const chunk of chunks) decoder.push(chunk, (body) => out.push([...body]));
  return out;
}

function header(length: number): Uint8Array {
  return new Uint8Array([length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff]);
}

describe('TCP framing', () => {
  it('decodes one frame delivered in one read', () => {
    expect(bodies(new FrameDecoder(100), [encodeFrame(new Uint8Array([1, 2, 3]))])).toEqual([[1, 2, 3]]);
  });

  it('decodes coalesced frames from a single read', () => {
    const joined = new Uint8Array([...encodeFrame(new Uint8Array([1])), ...encodeFrame(new Uint8Array([2, 2])), ...encodeFrame(new Uint8Array([3, 3, 3]))]);
    expect(bodies(new FrameDecoder(100), [joined])).toEqual([[1], [2, 2], [3, 3, 3]]);
  });

  it('decodes frames split at every possible byte boundary', () => {
    const stream = new Uint8Array([...encodeFrame(new Uint8Array([9, 8, 7, 6])), ...encodeFrame(new Uint8Array([5]))]);
    for (let cut = 1; cut < stream.length; cut++) {
      expect(bodies(new FrameDecoder(100), [stream.subarray(0, cut), stream.subarray(cut)])).toEqual([[9, 8, 7, 6], [5]]);
    }
  });

  it('decodes a stream fed one byte at a time', () => {
    const stream = new Uint8Array([...encodeFrame(new Uint8Array([1, 2])), ...encodeFrame(new Uint8Array([3]))]);
    expect(bodies(new FrameDecoder(100), [...stream].map((b) => new Uint8Array([b])))).toEqual([[1, 2], [3]]);
  });

  it('accepts a frame of exactly max_frame_bytes', () => {
    expect(bodies(new FrameDecoder(8), [encodeFrame(new Uint8Array(8).fill(1))])[0]).toHaveLength(8);
  });

  it.each([
    ['zero length', 0],
    ['one byte over the limit', 9],
    ['the largest u32', 0xffffffff],
    ['a length with the sign bit set', 0x80000001],
  ])('refuses %s', (_name, length) => {
    expect(() => bodies(new FrameDecoder(8), [header(length)])).toThrow(FrameLengthError);
  });

  it('refuses a bad length that arrives split across reads', () => {
    const bad = header(1_000_000);
    expect(() => bodies(new FrameDecoder(8), [bad.subarray(0, 2), bad.subarray(2)])).toThrow(FrameLengthError);
  });

  it('reports bytes held for an incomplete frame', () => {
    const decoder = new FrameDecoder(100);
    decoder.push(encodeFrame(new Uint8Array(10)).subarray(0, 7), () => {});
    expect(decoder.bufferedBytes).toBe(3);
  });
});
