// Lares tokens: an AuthToken sealed with AES-256-GCM under a key shared by
// Lares and the gate. Wire form: "<key id>.<base64url(nonce12 ‖ ciphertext ‖ tag16)>",
// with the key id as additional authenticated data so it cannot be swapped.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AuthToken } from '../gen/pantheon/auth/v1/token.js';
import type { SymmetricKey, TokenKeyring } from './keys.js';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
/** Upper bound on the token string so a hostile client cannot make us decode megabytes. */
export const MAX_TOKEN_CHARS = 1024;

export function sealToken(token: AuthToken, key: SymmetricKey): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, nonce);
  cipher.setAAD(Buffer.from(key.id, 'utf8'));
  const plaintext = AuthToken.encode(token).finish();
  const sealed = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `${key.id}.${sealed.toString('base64url')}`;
}

export type OpenTokenResult = { ok: true; token: AuthToken } | { ok: false; reason: 'malformed' | 'unknown_key' | 'bad_seal' };

/** Opens and authenticates a token. Expiry and replay are the caller's checks. */
export function openToken(text: string, keyring: TokenKeyring): OpenTokenResult {
  if (text.length === 0 || text.length > MAX_TOKEN_CHARS) return { ok: false, reason: 'malformed' };
  const dot = text.indexOf('.');
  if (dot <= 0) return { ok: false, reason: 'malformed' };
  const keyId = text.slice(0, dot);
  if (!KEY_ID_PATTERN.test(keyId)) return { ok: false, reason: 'malformed' };
  const key = keyring.keys.get(keyId);
  if (!key) return { ok: false, reason: 'unknown_key' };
  const sealed = Buffer.from(text.slice(dot + 1), 'base64url');
  if (sealed.length < NONCE_BYTES + TAG_BYTES + 1) return { ok: false, reason: 'malformed' };
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(keyId, 'utf8'));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const plaintext = Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
    return { ok: true, token: AuthToken.decode(plaintext) };
  } catch {
    // Authentication failure or an undecodable body after authentication: both mean "not ours".
    return { ok: false, reason: 'bad_seal' };
  }
}
