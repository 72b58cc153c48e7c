// AES-256-GCM for post-handshake bodies, one instance per direction.
// Nonce = iv(4) ‖ u64be(n), n counting that direction's frames from 0, so no
// nonce travels: a dropped, replayed, reordered or forged frame fails to open.
// Hot path: one nonce buffer per direction is reused; the key is a KeyObject
// so OpenSSL does not re-validate raw key bytes per frame.
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { GCM_NONCE_BYTES, GCM_TAG_BYTES, writeFrameNonce } from '../protocol/handshake.js';

export class FrameSealer {
  private readonly key: KeyObject;
  private readonly nonce = Buffer.alloc(GCM_NONCE_BYTES);
  private counter = 0;

  constructor(key: Uint8Array, private readonly iv: Uint8Array) {
    this.key = createSecretKey(key);
  }

  seal(plaintext: Uint8Array): Buffer {
    writeFrameNonce(this.iv, this.counter++, this.nonce);
    const cipher = createCipheriv('aes-256-gcm', this.key, this.nonce);
    const head = cipher.update(plaintext);
    const tail = cipher.final();
    return tail.length === 0 ? Buffer.concat([head, cipher.getAuthTag()]) : Buffer.concat([head, tail, cipher.getAuthTag()]);
  }
}

export class FrameOpener {
  private readonly key: KeyObject;
  private readonly nonce = Buffer.alloc(GCM_NONCE_BYTES);
  private counter = 0;

  constructor(key: Uint8Array, private readonly iv: Uint8Array) {
    this.key = createSecretKey(key);
  }

  /** Returns null when the frame does not authenticate; the caller must close. */
  open(body: Uint8Array): Buffer | null {
    if (body.length < GCM_TAG_BYTES) return null;
    writeFrameNonce(this.iv, this.counter, this.nonce);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, this.nonce);
      decipher.setAuthTag(body.subarray(body.length - GCM_TAG_BYTES));
      const head = decipher.update(body.subarray(0, body.length - GCM_TAG_BYTES));
      decipher.final();
      this.counter++;
      return head;
    } catch {
      // Authentication failed: a forged, replayed or reordered frame. The verdict is the return value.
      return null;
    }
  }
}
