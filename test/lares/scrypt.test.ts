import { describe, expect, it } from 'vitest';
import { hashPassword, parseHash, verifyPassword } from '../../src/services/lares/hash/scrypt.js';

describe('scrypt password hashes', () => {
  it('writes a self-describing string with N=16384 r=8 p=1 and a 16-byte salt', () => {
    const stored = hashPassword('password1');
    expect(stored).toMatch(/^\$scrypt\$n=16384,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    const parsed = parseHash(stored);
    expect(parsed.salt).toHaveLength(16);
    expect(parsed.key).toHaveLength(32);
  });

  it('verifies the right password and refuses a wrong one', () => {
    const stored = hashPassword('password1');
    expect(verifyPassword('password1', stored)).toBe(true);
    expect(verifyPassword('password2', stored)).toBe(false);
  });

  it('salts every hash, so equal passwords give different strings', () => {
    expect(hashPassword('password1')).not.toBe(hashPassword('password1'));
  });

  it('verifies hashes written with other parameters, read from the string', () => {
    const stored = hashPassword('password1', { n: 1024, r: 4, p: 2 });
    expect(stored.startsWith('$scrypt$n=1024,r=4,p=2$')).toBe(true);
    expect(verifyPassword('password1', stored)).toBe(true);
  });

  it('refuses stored strings that are not its format or carry out-of-range parameters', () => {
    expect(() => verifyPassword('password1', 'plaintext')).toThrow(/format/);
    expect(() => verifyPassword('password1', '$scrypt$n=3,r=8,p=1$c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5')).toThrow(/out of range/);
    expect(() => verifyPassword('password1', '$scrypt$n=16384,r=8,p=99$c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5')).toThrow(/out of range/);
  });
});
