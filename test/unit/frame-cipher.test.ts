import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { writeFrameNonce } from '../../src/protocol/handshake.js';
import { FrameOpener, FrameSealer } from '../../src/security/frame-cipher.js';
import { deflateIfSmaller, inflateCapped } from '../../src/dataplane/compression.js';
import { deflateSync } from 'node:zlib';

describe('AES-GCM counter nonces', () => {
  it('builds iv ‖ u64be(counter)', () => {
    const iv = new Uint8Array([0xa1, 0xa2, 0xa3, 0xa4]);
    expect([...writeFrameNonce(iv, 0, new Uint8Array(12))]).toEqual([0xa1, 0xa2, 0xa3, 0xa4, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect([...writeFrameNonce(iv, 258, new Uint8Array(12))]).toEqual([0xa1, 0xa2, 0xa3, 0xa4, 0, 0, 0, 0, 0, 0, 1, 2]);
    expect([...writeFrameNonce(iv, 2 ** 32 + 5, new Uint8Array(12))]).toEqual([0xa1, 0xa2, 0xa3, 0xa4, 0, 0, 0, 1, 0, 0, 0, 5]);
  });

  it('opens frames in order and refuses a replayed, reordered or altered one', () => {
    const key = randomBytes(32);
    const iv = randomBytes(4);
    const sealer = new FrameSealer(key, iv);
    const frames = [0, 1, 2, 3].map((i) => sealer.seal(Buffer.from(`frame ${i}`)));
    const opener = new FrameOpener(key, iv);
    expect(opener.open(frames[0])?.toString()).toBe('frame 0');
    expect(opener.open(frames[0])).toBeNull(); // replay
    expect(opener.open(frames[2])).toBeNull(); // reorder (skips 1)
    const altered = Buffer.from(frames[1]);
    altered[0] ^= 0x80;
    expect(opener.open(altered)).toBeNull();
    expect(opener.open(frames[1])?.toString()).toBe('frame 1'); // failures do not advance the counter
  });

  it('appends a 16-byte tag and refuses bodies shorter than a tag', () => {
    const sealer = new FrameSealer(randomBytes(32), randomBytes(4));
    expect(sealer.seal(new Uint8Array(10))).toHaveLength(26);
    expect(new FrameOpener(randomBytes(32), randomBytes(4)).open(new Uint8Array(15))).toBeNull();
  });
});

describe('packet compression', () => {
  it('compresses only at or over the threshold and only when smaller', () => {
    expect(deflateIfSmaller(new Uint8Array(100), 1024)).toBeNull();
    expect(deflateIfSmaller(new Uint8Array(2048), 1024)!.length).toBeLessThan(2048);
    expect(deflateIfSmaller(randomBytes(2048), 1024)).toBeNull();
  });

  it('inflates within the cap and refuses a zlib bomb', () => {
    const small = deflateSync(Buffer.alloc(1000, 7));
    expect(inflateCapped(small, 4096)).toEqual({ ok: true, data: Buffer.alloc(1000, 7) });
    expect(inflateCapped(deflateSync(Buffer.alloc(10_000_000)), 1_000_000)).toEqual({ ok: false, reason: 'too_large' });
    expect(inflateCapped(new Uint8Array([1, 2, 3]), 1000)).toEqual({ ok: false, reason: 'corrupt' });
  });
});
