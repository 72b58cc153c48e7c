// Secret material: token keys (shared by Lares and the gate) and gate signing
// keys (Ed25519; Lares publishes the public halves). Never committed: in the
// embedded mode they are generated on first start into <data_dir>/secrets and
// reused afterwards. Files are JSON, mode 0600, created atomically so two
// processes starting at once agree on one key.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PantheonError } from '../common/errors.js';

export const TOKEN_KEYS_FILE = 'token-keys.json';
export const GATE_SIGNING_KEYS_FILE = 'gate-signing-keys.json';

export interface SymmetricKey {
  id: string;
  key: Buffer; // 32 bytes
}

export interface TokenKeyring {
  current: SymmetricKey;
  keys: Map<string, Buffer>;
}

export interface GateSigningKey {
  id: string;
  publicKey: KeyObject;
  publicRaw: Buffer; // 32 bytes, what clients pin
  privateKey?: KeyObject; // absent in public-only files (e.g. what Lares is given)
}

export interface GateKeyring {
  current: GateSigningKey;
  keys: Map<string, GateSigningKey>;
}

interface TokenKeysFile {
  current: string;
  keys: { id: string; key: string }[];
}

interface GateKeysFile {
  current: string;
  keys: { id: string; public_key: string; private_key_pem?: string }[];
}

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function ed25519PublicFromRaw(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function loadTokenKeys(dir: string, autoGenerate: boolean): TokenKeyring {
  const file = readOrCreate<TokenKeysFile>(dir, TOKEN_KEYS_FILE, autoGenerate, () => {
    const id = `tk-${randomBytes(4).toString('hex')}`;
    return { current: id, keys: [{ id, key: randomBytes(32).toString('base64') }] };
  });
  const keys = new Map<string, Buffer>();
  for (const entry of file.keys ?? []) {
    const key = Buffer.from(entry.key ?? '', 'base64');
    if (!entry.id || key.length !== 32) throw badFile(dir, TOKEN_KEYS_FILE, `key "${entry.id}" must have an id and 32 base64 bytes`);
    keys.set(entry.id, key);
  }
  const current = keys.get(file.current);
  if (!current) throw badFile(dir, TOKEN_KEYS_FILE, `"current" names "${file.current}", which is not among its keys`);
  return { current: { id: file.current, key: current }, keys };
}

export function loadGateSigningKeys(dir: string, autoGenerate: boolean): GateKeyring {
  const file = readOrCreate<GateKeysFile>(dir, GATE_SIGNING_KEYS_FILE, autoGenerate, () => {
    const id = `gk-${randomBytes(4).toString('hex')}`;
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    return {
      current: id,
      keys: [
        {
          id,
          public_key: rawEd25519Public(publicKey).toString('base64'),
          private_key_pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        },
      ],
    };
  });
  const keys = new Map<string, GateSigningKey>();
  for (const entry of file.keys ?? []) {
    const publicRaw = Buffer.from(entry.public_key ?? '', 'base64');
    if (!entry.id || publicRaw.length !== 32) throw badFile(dir, GATE_SIGNING_KEYS_FILE, `key "${entry.id}" must have an id and a 32-byte public_key`);
    const key: GateSigningKey = { id: entry.id, publicRaw, publicKey: ed25519PublicFromRaw(publicRaw) };
    if (entry.private_key_pem) {
      key.privateKey = createPrivateKey(entry.private_key_pem);
      if (!rawEd25519Public(createPublicKey(key.privateKey)).equals(publicRaw)) {
        throw badFile(dir, GATE_SIGNING_KEYS_FILE, `key "${entry.id}": public_key does not match private_key_pem`);
      }
    }
    keys.set(entry.id, key);
  }
  const current = keys.get(file.current);
  if (!current) throw badFile(dir, GATE_SIGNING_KEYS_FILE, `"current" names "${file.current}", which is not among its keys`);
  return { current, keys };
}

function rawEd25519Public(publicKey: KeyObject): Buffer {
  return publicKey.export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX.length);
}

function readOrCreate<T>(dir: string, name: string, autoGenerate: boolean, generate: () => T): T {
  const path = join(dir, name);
  const existing = tryRead<T>(path);
  if (existing) return existing;
  if (!autoGenerate) {
    throw new PantheonError('SECRETS_MISSING', `secret file ${path} does not exist and secrets.auto_generate is false: provide it (see docs/operations.md)`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, JSON.stringify(generate(), null, 2) + '\n', { mode: 0o600 });
  try {
    linkSync(temp, path); // fails with EEXIST if another process won the race
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temp);
  }
  chmodSync(path, 0o600);
  const created = tryRead<T>(path);
  if (!created) throw new PantheonError('SECRETS_MISSING', `could not create secret file ${path}`);
  return created;
}

function tryRead<T>(path: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PantheonError('SECRETS_UNREADABLE', `cannot read secret file ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new PantheonError('SECRETS_INVALID', `secret file ${path} is not valid JSON; fix or delete it (deleting rotates the secret)`);
  }
}

function badFile(dir: string, name: string, detail: string): PantheonError {
  return new PantheonError('SECRETS_INVALID', `secret file ${join(dir, name)}: ${detail}`);
}
