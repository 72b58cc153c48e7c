// Every documented refusal of the Lares HTTP API, against a real process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { postJson, register, sendText, streamUntilAnswered, uniqueName } from './lares-client.js';

describe('Lares HTTP refusals', () => {
  let cluster: TestCluster;
  let url: string;

  beforeAll(async () => {
    // Per-IP throttling has its own file; here it must not interfere with many deliberate failures.
    cluster = await createTestCluster({ services: ['lares'], overrides: { lares: { throttle: { per_ip: { max_failures: 100_000, window_ms: 60_000 } } } } });
    url = cluster.laresUrl;
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  const expectError = (response: { status: number; body: any }, status: number, code: string, message?: string | RegExp) => {
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    if (message !== undefined) expect(response.body.error.message).toMatch(message);
  };

  describe('bad input (400)', () => {
    it('refuses malformed JSON', async () => {
      expectError(await sendText(url, '/v1/accounts/register', '{"username": "alice",'), 400, 'BAD_REQUEST', /^body is not valid JSON/);
    });

    it('refuses a body that is not a JSON object', async () => {
      expectError(await sendText(url, '/v1/accounts/register', '["alice","password1"]'), 400, 'BAD_REQUEST', 'body must be a JSON object');
      expectError(await sendText(url, '/v1/accounts/register', 'null'), 400, 'BAD_REQUEST', 'body must be a JSON object');
      expectError(await sendText(url, '/v1/accounts/register', ''), 400, 'BAD_REQUEST', /^body is not valid JSON/);
    });

    it('refuses a body that is not sent as application/json', async () => {
      expectError(await sendText(url, '/v1/accounts/register', 'username=alice', 'application/x-www-form-urlencoded'), 400, 'BAD_REQUEST', /^content-type must be application\/json/);
    });

    it('refuses a missing field, naming it', async () => {
      expectError(await postJson(url, '/v1/accounts/register', { username: uniqueName() }), 400, 'BAD_REQUEST', 'password is required');
      expectError(await postJson(url, '/v1/accounts/guest', {}), 400, 'BAD_REQUEST', 'device_id is required');
      expectError(await postJson(url, '/v1/sessions/refresh', {}), 400, 'BAD_REQUEST', 'session is required');
      expectError(await postJson(url, '/v1/tokens', { color: 'qa' }), 400, 'BAD_REQUEST', 'session is required');
    });

    it('refuses a username shorter than 3 characters', async () => {
      expectError(await postJson(url, '/v1/accounts/register', { username: 'ab', password: 'password1' }), 400, 'BAD_REQUEST', 'username must be 3-32 characters of [A-Za-z0-9_.-]');
    });

    it('refuses a username longer than 32 characters', async () => {
      expectError(await postJson(url, '/v1/accounts/register', { username: 'a'.repeat(33), password: 'password1' }), 400, 'BAD_REQUEST', 'username must be 3-32 characters of [A-Za-z0-9_.-]');
    });

    it('refuses a username with characters outside [A-Za-z0-9_.-]', async () => {
      expectError(await postJson(url, '/v1/accounts/register', { username: 'alice smith', password: 'password1' }), 400, 'BAD_REQUEST', 'username must be 3-32 characters of [A-Za-z0-9_.-]');
      expectError(await postJson(url, '/v1/accounts/login', { username: 'al/ice', password: 'password1' }), 400, 'BAD_REQUEST', 'username must be 3-32 characters of [A-Za-z0-9_.-]');
    });

    it('refuses a password shorter than 8 characters', async () => {
      expectError(await postJson(url, '/v1/accounts/register', { username: uniqueName(), password: 'short' }), 400, 'BAD_REQUEST', 'password must be 8-128 characters');
    });

    it('refuses a password longer than 128 characters', async () => {
      expectError(await postJson(url, '/v1/accounts/register', { username: uniqueName(), password: 'p'.repeat(129) }), 400, 'BAD_REQUEST', 'password must be 8-128 characters');
    });

    it('refuses a field of the wrong type', async () => {
      expectError(await postJson(url, '/v1/accounts/register', { username: uniqueName(), password: 12345678 }), 400, 'BAD_REQUEST', 'password must be a string');
    });

    it('refuses a malformed device id', async () => {
      expectError(await postJson(url, '/v1/accounts/guest', { device_id: 'short' }), 400, 'BAD_REQUEST', 'device_id must be 8-128 characters of [A-Za-z0-9_.:-]');
    });

    it('refuses a malformed colour', async () => {
      const { session } = await register(url);
      expectError(await postJson(url, '/v1/tokens', { session, color: 'no spaces' }), 400, 'BAD_REQUEST', 'color must be 0-64 characters of [A-Za-z0-9_-]');
    });
  });

  describe('bad credentials (401)', () => {
    it('refuses a wrong password', async () => {
      const { username } = await register(url);
      expectError(await postJson(url, '/v1/accounts/login', { username, password: 'password2' }), 401, 'UNAUTHORIZED', 'username or password is wrong');
    });

    it('refuses an unknown username with the same answer as a wrong password', async () => {
      expectError(await postJson(url, '/v1/accounts/login', { username: uniqueName('ghost'), password: 'password1' }), 401, 'UNAUTHORIZED', 'username or password is wrong');
    });

    it('refuses an unknown session for refresh and for tokens', async () => {
      const bogus = 'A'.repeat(43);
      expectError(await postJson(url, '/v1/sessions/refresh', { session: bogus }), 401, 'UNAUTHORIZED');
      expectError(await postJson(url, '/v1/tokens', { session: bogus }), 401, 'UNAUTHORIZED', /session is unknown or expired/);
    });

    it('refuses a session that was refreshed away', async () => {
      const { session } = await register(url);
      expect((await postJson(url, '/v1/sessions/refresh', { session })).status).toBe(200);
      expectError(await postJson(url, '/v1/sessions/refresh', { session }), 401, 'UNAUTHORIZED');
      expectError(await postJson(url, '/v1/tokens', { session }), 401, 'UNAUTHORIZED');
    });

    it('lets only one of two concurrent refreshes of a session succeed', async () => {
      const { session } = await register(url);
      const answers = await Promise.all([1, 2].map(() => postJson(url, '/v1/sessions/refresh', { session })));
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401]);
    });
  });

  describe('username taken (409)', () => {
    it('refuses a username that is already registered', async () => {
      const { username } = await register(url);
      expectError(await postJson(url, '/v1/accounts/register', { username, password: 'password2' }), 409, 'USERNAME_TAKEN');
    });

    it('treats usernames differing only in case as the same name', async () => {
      const { username } = await register(url, uniqueName('CaseUser'));
      expectError(await postJson(url, '/v1/accounts/register', { username: username.toLowerCase(), password: 'password1' }), 409, 'USERNAME_TAKEN');
    });

    it('gives one 201 and one 409 to two concurrent registrations of one name', async () => {
      const username = uniqueName('race');
      const answers = await Promise.all([username, username.toUpperCase()].map((name) => postJson(url, '/v1/accounts/register', { username: name, password: 'password1' })));
      expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409]);
      expect(answers.find((answer) => answer.status === 409)!.body.error.code).toBe('USERNAME_TAKEN');
    });
  });

  describe('body too large (413)', () => {
    it('refuses a body over max_body_bytes', async () => {
      const big = JSON.stringify({ username: uniqueName(), password: 'password1', padding: 'x'.repeat(16 * 1024) });
      expectError(await sendText(url, '/v1/accounts/register', big), 413, 'BODY_TOO_LARGE', 'body must be at most 16384 bytes');
    });

    it('refuses a streamed body without a length as soon as it passes the limit', async () => {
      const { response, bytesSent } = await streamUntilAnswered(url, '/v1/accounts/register', Buffer.alloc(1024, 0x20), 64);
      expect(response.status).toBe(413);
      expect(response.body.error.code).toBe('BODY_TOO_LARGE');
      expect(bytesSent).toBeLessThan(64 * 1024);
    });

    it('still serves requests after refusing a large body', async () => {
      expect((await fetch(`${url}/health`)).status).toBe(200);
    });
  });

  describe('routing (404, 405)', () => {
    it('answers 404 for an unknown path', async () => {
      expectError(await sendText(url, '/v1/nope', '{}'), 404, 'NOT_FOUND');
      const response = await fetch(`${url}/`);
      expect(response.status).toBe(404);
    });

    it('answers 405 with an Allow header for a known path and the wrong method', async () => {
      const response = await fetch(`${url}/v1/accounts/login`);
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect((await response.json()).error.code).toBe('METHOD_NOT_ALLOWED');
      const health = await sendText(url, '/health', '{}');
      expectError(health, 405, 'METHOD_NOT_ALLOWED');
      expect(health.headers.get('allow')).toBe('GET');
    });

    it('ignores a query string when routing', async () => {
      expect((await fetch(`${url}/health?probe=1`)).status).toBe(200);
    });
  });
});
