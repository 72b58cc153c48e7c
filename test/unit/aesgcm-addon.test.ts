// native/aesgcm must be the same AES-256-GCM as node:crypto (it is OpenSSL
// inside node), byte for byte, and must refuse what node:crypto refuses.
import { createCipheriv, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { frameCipherBackend } from '../../src/security/frame-cipher.js';
import { repoRoot } from '../harness/processes.js';

const addonPath = `${repoRoot}/native/aesgcm/build/Release/aesgcm.node`;
const addon = createRequire(import.meta.url)(addonPath) as {
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Buffer;
  open(key: Uint8Array, nonce: Uint8Array, body: Uint8Array): Buffer | null;
};

function nodeSeal(key: Buffer, nonce: Buffer, plaintext: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

describe('native AES-256-GCM (native/aesgcm)', () => {
  it('is what the gate seals frames with after npm run build', () => {
    expect(frameCipherBackend).toEqual({ name: 'native', fallbackReason: '' });
  });

  it('seals exactly as node:crypto does and opens what node:crypto sealed', () => {
    for (const size of [0, 1, 15, 16, 17, 64, 1000, 70_000]) {
      const key = randomBytes(32);
      const nonce = randomBytes(12);
      const plaintext = randomBytes(size);
      const expected = nodeSeal(key, nonce, plaintext);
      expect(addon.seal(key, nonce, plaintext).equals(expected), `size ${size}`).toBe(true);
      expect(addon.open(key, nonce, expected)?.equals(plaintext), `size ${size}`).toBe(true);
    }
  });

  it('returns null for an altered body or tag, a wrong key or nonce, or a body shorter than a tag', () => {
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const sealed = addon.seal(key, nonce, Buffer.from('position update'));
    for (const at of [0, sealed.length - 1]) {
      const altered = Buffer.from(sealed);
      altered[at] ^= 1;
      expect(addon.open(key, nonce, altered)).toBeNull();
    }
    expect(addon.open(randomBytes(32), nonce, sealed)).toBeNull();
    expect(addon.open(key, randomBytes(12), sealed)).toBeNull();
    expect(addon.open(key, nonce, sealed.subarray(0, 15))).toBeNull();
    // A failure leaves the thread's context usable.
    expect(addon.open(key, nonce, sealed)?.toString()).toBe('position update');
  });

  it('throws a clear error for a wrong key or nonce size or a non-byte argument', () => {
    expect(() => addon.seal(randomBytes(16), randomBytes(12), Buffer.alloc(1))).toThrow(/key must be 32 bytes and the nonce 12/);
    expect(() => addon.open(randomBytes(32), randomBytes(8), Buffer.alloc(20))).toThrow(RangeError);
    expect(() => addon.seal(randomBytes(32), randomBytes(12), 'text' as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('keeps one context per thread: worker threads seal concurrently with correct results', async () => {
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { createCipheriv, randomBytes } = require('node:crypto');
      const addon = require(workerData.addonPath);
      let ok = true;
      for (let i = 0; i < 20000; i++) {
        const key = randomBytes(32), nonce = randomBytes(12), pt = randomBytes(i % 200);
        const c = createCipheriv('aes-256-gcm', key, nonce);
        const expected = Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
        if (!addon.seal(key, nonce, pt).equals(expected) || !addon.open(key, nonce, expected).equals(pt)) ok = false;
      }
      parentPort.postMessage(ok);`;
    const results = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<boolean>((resolve, reject) => {
            const worker = new Worker(source, { eval: true, workerData: { addonPath } });
            worker.once('message', (ok: boolean) => resolve(ok));
            worker.once('error', reject);
          }),
      ),
    );
    expect(results).toEqual([true, true, true]);
  });
});
