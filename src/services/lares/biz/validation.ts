// Checks and normalises client input for accounts, sessions and tokens. Each
// refusal names the field and the rule, so a client developer can fix the call
// from the message alone. Pure functions: no storage, no clock.
import { badRequest } from './errors.js';

export type JsonObject = Record<string, unknown>;

const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;
const DEVICE_ID = /^[A-Za-z0-9_.:-]{8,128}$/;
const COLOR = /^[A-Za-z0-9_-]{0,64}$/;
const PASSWORD_MIN = 8;
const PASSWORD_MAX = 128;
/** A session is 43 characters; the cap only stops hashing absurd input. */
const SESSION_MAX = 256;

export interface Credentials {
  username: string;
  /** Lowercased: uniqueness and lookups ignore case, display keeps it. */
  usernameKey: string;
  password: string;
}

export function parseCredentials(body: JsonObject): Credentials {
  const username = requireString(body, 'username');
  if (!USERNAME.test(username)) throw badRequest('username must be 3-32 characters of [A-Za-z0-9_.-]');
  const password = requireString(body, 'password');
  // Length in code points, so a password of multi-byte characters is judged as the user typed it.
  const length = [...password].length;
  if (length < PASSWORD_MIN || length > PASSWORD_MAX) throw badRequest(`password must be ${PASSWORD_MIN}-${PASSWORD_MAX} characters`);
  return { username, usernameKey: usernameKeyOf(username), password };
}

export function usernameKeyOf(username: string): string {
  return username.toLowerCase();
}

export function parseDeviceId(body: JsonObject): string {
  const deviceId = requireString(body, 'device_id');
  if (!DEVICE_ID.test(deviceId)) throw badRequest('device_id must be 8-128 characters of [A-Za-z0-9_.:-]');
  return deviceId;
}

export function parseSession(body: JsonObject): string {
  const session = requireString(body, 'session');
  if (session.length === 0 || session.length > SESSION_MAX) throw badRequest(`session must be a non-empty string of at most ${SESSION_MAX} characters`);
  return session;
}

/** Optional gray-release colour; absent means the default (empty) colour. */
export function parseColor(body: JsonObject): string {
  if (body.color === undefined) return '';
  if (typeof body.color !== 'string' || !COLOR.test(body.color)) throw badRequest('color must be 0-64 characters of [A-Za-z0-9_-]');
  return body.color;
}

function requireString(body: JsonObject, field: string): string {
  const value = body[field];
  if (value === undefined || value === null) throw badRequest(`${field} is required`);
  if (typeof value !== 'string') throw badRequest(`${field} must be a string`);
  return value;
}
