// Failed-login throttling against a real Lares, per username and per client
// address. Each test uses its own loopback source address and usernames, so
// the counters of one test never reach another.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { postFrom, register, uniqueName } from './lares-client.js';

const PER_USERNAME = 3;
const PER_IP = 6;
const WINDOW_MS = 60_000;

describe('Lares login throttling', () => {
  let cluster: TestCluster;
  let url: string;

  beforeAll(async () => {
    cluster = await createTestCluster({
      services: ['lares'],
      overrides: { lares: { throttle: { per_username: { max_failures: PER_USERNAME, window_ms: WINDOW_MS }, per_ip: { max_failures: PER_IP, window_ms: WINDOW_MS } } } },
    });
    url = cluster.laresUrl;
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  const login = (from: string, username: string, password: string) => postFrom(from, url, '/v1/accounts/login', { username, password });

  it('answers 429 with Retry-After once a username has max_failures failed logins, even with the right password', async () => {
    const { username, password } = await register(url);
    for (let i = 0; i < PER_USERNAME; i++) expect((await login('127.0.0.2', username, 'wrong-pass')).status).toBe(401);
    const throttled = await login('127.0.0.2', username, password);
    expect(throttled.status).toBe(429);
    expect(throttled.body.error.code).toBe('THROTTLED');
    const retryAfter = Number(throttled.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
  });

  it('throttles a username however its case is written and from any address', async () => {
    const { username, password } = await register(url);
    for (let i = 0; i < PER_USERNAME; i++) await login(`127.0.0.${10 + i}`, username.toUpperCase(), 'wrong-pass');
    expect((await login('127.0.0.20', username, password)).status).toBe(429);
  });

  it('answers 429 to an address with max_failures failures across usernames, but not to other addresses', async () => {
    const { username, password } = await register(url);
    for (let i = 0; i < PER_IP; i++) expect((await login('127.0.0.3', uniqueName('ghost'), 'wrong-pass')).status).toBe(401);
    expect((await login('127.0.0.3', username, password)).status).toBe(429);
    expect((await login('127.0.0.4', username, password)).status).toBe(200);
  });

  it('a successful login resets the username counter but not the address counter', async () => {
    const { username, password } = await register(url);
    const from = '127.0.0.5';
    for (let i = 0; i < PER_USERNAME - 1; i++) await login(from, username, 'wrong-pass');
    expect((await login(from, username, password)).status).toBe(200);
    // The username starts over: another PER_USERNAME - 1 failures do not throttle it.
    for (let i = 0; i < PER_USERNAME - 1; i++) expect((await login(from, username, 'wrong-pass')).status).toBe(401);
    expect((await login(from, username, password)).status).toBe(200);
    // The address kept all 4 failures: two more reach PER_IP = 6.
    for (let i = 0; i < PER_IP - 2 * (PER_USERNAME - 1); i++) await login(from, uniqueName('ghost'), 'wrong-pass');
    expect((await login(from, username, password)).status).toBe(429);
  });

  it('does not let a burst of concurrent guesses past the limit', async () => {
    const { username } = await register(url);
    const answers = await Promise.all(Array.from({ length: 10 }, () => login('127.0.0.6', username, 'wrong-pass')));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(PER_USERNAME);
    expect(statuses.filter((status) => status === 429)).toHaveLength(10 - PER_USERNAME);
  });
});
