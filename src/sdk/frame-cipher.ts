// AES-256-GCM for post-handshake bodies on the client, on @noble/ciphers so
// it runs in browsers. Same contract as the gate's src/security/frame-cipher.ts:
// nonce = iv(4) ‖ u64be(n), n counting that direction's frames from 0, no AAD,
// body = ciphertext ‖ 16-byte tag. One instance per direction.
// Allocation: a fresh 12-byte nonce per frame, because a noble cipher keeps the
// nonce it was given; at client frame rates this is noise next to AES itself.
import { gcm } from '@noble/ciphers/aes.js';
import { GCM_NONCE_BYTES, GCM_TAG_BYTES, writeFrameNonce } from '../protocol/handshake.js';

export class FrameSealer {
  private counter = 0;

  constructor(
    private readonly key: Uint8Array,
    private readonly iv: Uint8Array,
  ) {}

  seal(plaintext: Uint8Array): Uint8Array {
    const nonce = writeFrameNonce(this.iv, this.counter++, new Uint8Array(GCM_NONCE_BYTES));
    return gcm(this.key, nonce).encrypt(plaintext);
  }
}

export class FrameOpener {
  private counter = 0;

  constructor(
    private readonly key: Uint8Array,
    private readonly iv: Uint8Array,
  ) {}

  /**
   * Returns null when the frame does not authenticate (forged, replayed,
   * reordered or dropped predecessor); the counter then stays put and the
   * caller must close the connection.
   */
  open(body: Uint8Array): Uint8Array | null {
    if (body.length < GCM_TAG_BYTES) return null;
    const nonce = writeFrameNonce(this.iv, this.counter, new Uint8Array(GCM_NONCE_BYTES));
    let plaintext: Uint8Array;
    try {
      plaintext = gcm(this.key, nonce).decrypt(body);
    } catch {
      // noble throws on a tag mismatch; the verdict is the null return value.
      return null;
    }
    this.counter++;
    return plaintext;
  }
}
