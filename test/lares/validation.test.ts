import { describe, expect, it } from 'vitest';
import { parseColor, parseCredentials, parseDeviceId, parseSession } from '../../src/services/lares/biz/validation.js';

function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a refusal');
}

describe('credential validation', () => {
  it('accepts a valid username and password and lowercases the lookup key', () => {
    expect(parseCredentials({ username: 'Alice.B-2_x', password: 'correct horse' })).toEqual({
      username: 'Alice.B-2_x',
      usernameKey: 'alice.b-2_x',
      password: 'correct horse',
    });
  });

  it.each([
    ['ab', 'shorter than 3 characters'],
    ['a'.repeat(33), 'longer than 32 characters'],
    ['bad name', 'a space'],
    ['ünïcode', 'non-ASCII letters'],
    ['semi;colon', 'punctuation outside [_.-]'],
  ])('refuses the username %j (%s) naming the rule', (username) => {
    const error = refusal(() => parseCredentials({ username, password: 'password1' }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toBe('username must be 3-32 characters of [A-Za-z0-9_.-]');
  });

  it('refuses a password shorter than 8 characters', () => {
    expect(refusal(() => parseCredentials({ username: 'alice', password: 'short12' })).message).toBe('password must be 8-128 characters');
  });

  it('refuses a password longer than 128 characters', () => {
    expect(refusal(() => parseCredentials({ username: 'alice', password: 'p'.repeat(129) })).message).toBe('password must be 8-128 characters');
  });

  it('counts password length in characters, not UTF-16 units or bytes', () => {
    expect(parseCredentials({ username: 'alice', password: '🔒'.repeat(8) }).password).toBe('🔒'.repeat(8));
    expect(() => parseCredentials({ username: 'alice', password: '🔒'.repeat(7) })).toThrow('password must be');
  });

  it('names a missing field', () => {
    expect(refusal(() => parseCredentials({ password: 'password1' })).message).toBe('username is required');
    expect(refusal(() => parseCredentials({ username: 'alice' })).message).toBe('password is required');
  });

  it('names a field of the wrong type', () => {
    expect(refusal(() => parseCredentials({ username: 42, password: 'password1' })).message).toBe('username must be a string');
  });
});

describe('device id validation', () => {
  it('accepts 8-128 characters of [A-Za-z0-9_.:-]', () => {
    expect(parseDeviceId({ device_id: 'ios:ABCD-1234.x_y' })).toBe('ios:ABCD-1234.x_y');
    expect(parseDeviceId({ device_id: 'd'.repeat(128) })).toHaveLength(128);
  });

  it.each(['short', 'd'.repeat(129), 'has space 123', 'slash/not/allowed'])('refuses the device id %j', (deviceId) => {
    expect(refusal(() => parseDeviceId({ device_id: deviceId })).message).toBe('device_id must be 8-128 characters of [A-Za-z0-9_.:-]');
  });
});

describe('session and colour validation', () => {
  it('refuses an empty or absurdly long session string as bad input', () => {
    expect(refusal(() => parseSession({ session: '' })).code).toBe('BAD_REQUEST');
    expect(refusal(() => parseSession({ session: 's'.repeat(257) })).message).toMatch(/^session must be/);
  });

  it('treats an absent colour as the default colour', () => {
    expect(parseColor({})).toBe('');
  });

  it('accepts a colour of up to 64 characters of [A-Za-z0-9_-]', () => {
    expect(parseColor({ color: 'qa_blue-2' })).toBe('qa_blue-2');
    expect(parseColor({ color: 'c'.repeat(64) })).toHaveLength(64);
  });

  it.each([['c'.repeat(65)], ['dot.ted'], [7]])('refuses the colour %j', (color) => {
    expect(refusal(() => parseColor({ color })).message).toBe('color must be 0-64 characters of [A-Za-z0-9_-]');
  });
});
