import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuthToken, TokenStatus } from '../../src/gen/pantheon/auth/v1/token.js';
import { loadGateSigningKeys, loadTokenKeys, type TokenKeyring } from '../../src/security/keys.js';
import { openToken, sealToken } from '../../src/security/token.js';
import { MemoryReplayCache } from '../../src/controlplane/replay/replay-cache.js';

function keyring(id = 'tk-test'): TokenKeyring {
  const key = randomBytes(32);
  return { current: { id, key }, keys: new Map([[id, key]]) };
}

function sampleToken(): AuthToken {
  return { accountId: 1000001n, color: 'blue', serverId: 1n, status: TokenStatus.TOKEN_STATUS_PLAYER, issuedAtMs: 1n, expiresAtMs: 2n, jti: randomBytes(16) };
}

describe('Lares tokens', () => {
  it('opens what it sealed', () => {
    const ring = keyring();
    const token = sampleToken();
    const opened = openToken(sealToken(token, ring.current), ring);
    expect(opened).toEqual({ ok: true, token });
  });

  it('prefixes the key id and uses base64url', () => {
    expect(sealToken(sampleToken(), keyring('tk-abc').current)).toMatch(/^tk-abc\.[A-Za-z0-9_-]+$/);
  });

  it('refuses a token sealed under a key it does not know', () => {
    expect(openToken(sealToken(sampleToken(), keyring('tk-a').current), keyring('tk-b'))).toEqual({ ok: false, reason: 'unknown_key' });
  });

  it('refuses a token whose key id was swapped (the id is authenticated)', () => {
    const a = keyring('tk-a');
    const sealed = sealToken(sampleToken(), a.current);
    const both: TokenKeyring = { current: a.current, keys: new Map([...a.keys, ['tk-b', a.current.key]]) };
    expect(openToken(sealed.replace('tk-a.', 'tk-b.'), both)).toEqual({ ok: false, reason: 'bad_seal' });
  });

  it('refuses a token with one flipped bit', () => {
    const ring = keyring();
    const sealed = sealToken(sampleToken(), ring.current);
    const body = Buffer.from(sealed.split('.')[1], 'base64url');
    body[20] ^= 1;
    expect(openToken(`${ring.current.id}.${body.toString('base64url')}`, ring)).toEqual({ ok: false, reason: 'bad_seal' });
  });

  it.each(['', 'no-dot', '.abc', 'tk-test.', 'bad id!.AAAA', 'x'.repeat(2000)])('refuses the malformed token %j', (text) => {
    expect(openToken(text, keyring()).ok).toBe(false);
  });

  it('remembers a used token id until it expires (replay cache)', async () => {
    const cache = new MemoryReplayCache();
    const jti = randomBytes(16);
    expect(await cache.claim(jti, Date.now() + 60_000)).toBe(true);
    expect(await cache.claim(jti, Date.now() + 60_000)).toBe(false);
    expect(await cache.claim(randomBytes(16), Date.now() + 60_000)).toBe(true);
    await cache.close();
  });
});

describe('secret files', () => {
  it('generates keys on first start and reuses them afterwards', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pantheon-secrets-')), 'secrets');
    const first = loadTokenKeys(dir, true);
    const again = loadTokenKeys(dir, true);
    expect(again.current.key.equals(first.current.key)).toBe(true);
    expect(statSync(join(dir, 'token-keys.json')).mode & 0o777).toBe(0o600);
    const signing = loadGateSigningKeys(dir, true);
    expect(loadGateSigningKeys(dir, true).current.publicRaw.equals(signing.current.publicRaw)).toBe(true);
    expect(signing.current.publicRaw).toHaveLength(32);
  });

  it('refuses to invent secrets when auto_generate is false', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pantheon-secrets-'));
    expect(() => loadTokenKeys(dir, false)).toThrow(/does not exist and secrets.auto_generate is false/);
  });

  it('names the file when it is corrupt', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pantheon-secrets-'));
    loadTokenKeys(dir, true);
    const path = join(dir, 'token-keys.json');
    const file = JSON.parse(readFileSync(path, 'utf8'));
    file.current = 'missing';
    writeFileSync(path, JSON.stringify(file));
    expect(() => loadTokenKeys(dir, true)).toThrow(/token-keys.json: "current" names "missing"/);
  });
});
