// Password hashing with scrypt, stored as a self-describing string
// "$scrypt$n=16384,r=8,p=1$<salt b64>$<key b64>" so parameters can be raised
// later without breaking existing hashes. Synchronous on purpose: it only ever
// runs inside a hash-worker thread, never on the HTTP event loop.
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  n: number;
  r: number;
  p: number;
}

export const CURRENT_PARAMS: ScryptParams = { n: 16384, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;
const PREFIX = '$scrypt$';
// Bounds on parameters read back from storage, so a corrupted record cannot make one login eat gigabytes.
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

export function hashPassword(password: string, params: ScryptParams = CURRENT_PARAMS): string {
  const salt = randomBytes(SALT_BYTES);
  const key = derive(password, salt, params, KEY_BYTES);
  return `${PREFIX}n=${params.n},r=${params.r},p=${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** False for a wrong password; throws only when `stored` is not a hash this module wrote. */
export function verifyPassword(password: string, stored: string): boolean {
  const parsed = parseHash(stored);
  const key = derive(password, parsed.salt, parsed.params, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

export function parseHash(stored: string): ParsedHash {
  const parts = stored.startsWith(PREFIX) ? stored.slice(PREFIX.length).split('$') : [];
  const match = parts.length === 3 ? /^n=(\d+),r=(\d+),p=(\d+)$/.exec(parts[0]) : null;
  if (!match) throw new Error('password hash is not in the "$scrypt$n=…,r=…,p=…$salt$key" format');
  const params = { n: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  const validN = params.n >= 2 && params.n <= MAX_N && (params.n & (params.n - 1)) === 0;
  if (!validN || params.r < 1 || params.r > MAX_R || params.p < 1 || params.p > MAX_P) {
    throw new Error(`password hash parameters n=${params.n},r=${params.r},p=${params.p} are out of range`);
  }
  const salt = Buffer.from(parts[1], 'base64');
  const key = Buffer.from(parts[2], 'base64');
  if (salt.length === 0 || key.length < 16) throw new Error('password hash has an empty salt or a key shorter than 16 bytes');
  return { params, salt, key };
}

function derive(password: string, salt: Buffer, params: ScryptParams, length: number): Buffer {
  // maxmem covers 128·N·r with headroom; node's default (32 MiB) would refuse the upper bounds.
  return scryptSync(password.normalize('NFC'), salt, length, { N: params.n, r: params.r, p: params.p, maxmem: 256 * params.n * params.r + 1024 * 1024 });
}
