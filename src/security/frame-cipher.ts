// AES-256-GCM for post-handshake bodies, one instance per direction.
// Nonce = iv(4) ‖ u64be(n), n counting that direction's frames from 0, so no
// nonce travels: a dropped, replayed, reordered or forged frame fails to open.
//
// Hot path: one nonce buffer per direction is reused. The cipher itself is
// native/aesgcm (OpenSSL inside node, one reused context per thread) when
// it is built; node:crypto needs a new Cipheriv object per frame, which cost
// ~20% of a gate worker's busy time. Both produce the same bytes (tested).
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { GCM_NONCE_BYTES, GCM_TAG_BYTES, writeFrameNonce } from '../protocol/handshake.js';

interface AesGcmAddon {
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Buffer;
  open(key: Uint8Array, nonce: Uint8Array, body: Uint8Array): Buffer | null;
}

const addonPath = fileURLToPath(new URL('../../native/aesgcm/build/Release/aesgcm.node', import.meta.url));

function loadAddon(): { addon: AesGcmAddon | null; reason: string } {
  if (!existsSync(addonPath)) return { addon: null, reason: `${addonPath} is missing (run "npm run build")` };
  try {
    return { addon: createRequire(import.meta.url)(addonPath) as AesGcmAddon, reason: '' };
  } catch (error) {
    return { addon: null, reason: `cannot load ${addonPath}: ${(error as Error).message}` };
  }
}

const loaded = loadAddon();
const native = loaded.addon;

/** Which implementation seals and opens frames in this thread, and why not the native one; the gate logs it at start. */
export const frameCipherBackend: { name: 'native' | 'node:crypto'; fallbackReason: string } = native
  ? { name: 'native', fallbackReason: '' }
  : { name: 'node:crypto', fallbackReason: loaded.reason };

export class FrameSealer {
  private readonly key: Buffer | KeyObject;
  private readonly nonce = Buffer.alloc(GCM_NONCE_BYTES);
  private counter = 0;

  constructor(key: Uint8Array, private readonly iv: Uint8Array) {
    // node:crypto takes a KeyObject so OpenSSL does not re-validate raw key bytes per frame.
    this.key = native ? Buffer.from(key) : createSecretKey(key);
  }

  seal(plaintext: Uint8Array): Buffer {
    writeFrameNonce(this.iv, this.counter++, this.nonce);
    if (native) return native.seal(this.key as Buffer, this.nonce, plaintext);
    const cipher = createCipheriv('aes-256-gcm', this.key, this.nonce);
    const head = cipher.update(plaintext);
    const tail = cipher.final();
    return tail.length === 0 ? Buffer.concat([head, cipher.getAuthTag()]) : Buffer.concat([head, tail, cipher.getAuthTag()]);
  }
}

export class FrameOpener {
  private readonly key: Buffer | KeyObject;
  private readonly nonce = Buffer.alloc(GCM_NONCE_BYTES);
  private counter = 0;

  constructor(key: Uint8Array, private readonly iv: Uint8Array) {
    this.key = native ? Buffer.from(key) : createSecretKey(key);
  }

  /** Returns null when the frame does not authenticate; the caller must close. */
  open(body: Uint8Array): Buffer | null {
    if (body.length < GCM_TAG_BYTES) return null;
    writeFrameNonce(this.iv, this.counter, this.nonce);
    const plain = native ? native.open(this.key as Buffer, this.nonce, body) : openWithNodeCrypto(this.key as KeyObject, this.nonce, body);
    if (plain) this.counter++;
    return plain;
  }
}

function openWithNodeCrypto(key: KeyObject, nonce: Buffer, body: Uint8Array): Buffer | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAuthTag(body.subarray(body.length - GCM_TAG_BYTES));
    const head = decipher.update(body.subarray(0, body.length - GCM_TAG_BYTES));
    decipher.final();
    return head;
  } catch {
    // Authentication failed: a forged, replayed or reordered frame. The verdict is the return value.
    return null;
  }
}
