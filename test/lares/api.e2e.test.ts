// Lares as a user drives it: a real process from dist/, over HTTP.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenStatus } from '../../src/gen/pantheon/auth/v1/token.js';
import { loadGateSigningKeys, loadTokenKeys } from '../../src/security/keys.js';
import { openToken } from '../../src/security/token.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { postJson, register, uniqueName } from './lares-client.js';

const FIFTEEN_DAYS_MS = 15 * 86_400_000;

describe('Lares HTTP API', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await createTestCluster({ services: ['lares'] });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('reports the http and grpc endpoints in its ready line', () => {
    expect(cluster.processes.lares!.endpoints).toEqual({ http: cluster.laresUrl, grpc: `127.0.0.1:${cluster.ports.laresGrpc}` });
  });

  it('answers GET /health with status ok', async () => {
    const response = await fetch(`${cluster.laresUrl}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('registers, logs in, refreshes the session and gets a token that opens with the shared key', async () => {
    const username = uniqueName('Flow');
    const before = Date.now();
    const registered = await postJson(cluster.laresUrl, '/v1/accounts/register', { username, password: 'password1' });
    expect(registered.status).toBe(201);
    expect(registered.headers.get('content-type')).toMatch(/^application\/json/);
    expect(registered.body).toEqual({ account_id: expect.stringMatching(/^\d+$/), session: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), session_expires_at: expect.any(Number) });
    expect(BigInt(registered.body.account_id)).toBeGreaterThanOrEqual(1_000_001n);
    expect(registered.body.session_expires_at).toBeGreaterThanOrEqual(before + FIFTEEN_DAYS_MS);
    expect(registered.body.session_expires_at).toBeLessThanOrEqual(Date.now() + FIFTEEN_DAYS_MS);

    const login = await postJson(cluster.laresUrl, '/v1/accounts/login', { username: username.toUpperCase(), password: 'password1' });
    expect(login.status).toBe(200);
    expect(login.body.account_id).toBe(registered.body.account_id);

    const refreshed = await postJson(cluster.laresUrl, '/v1/sessions/refresh', { session: login.body.session });
    expect(refreshed.status).toBe(200);
    expect(Object.keys(refreshed.body).sort()).toEqual(['session', 'session_expires_at']);
    expect(refreshed.body.session).not.toBe(login.body.session);

    const issuedAt = Date.now();
    const token = await postJson(cluster.laresUrl, '/v1/tokens', { session: refreshed.body.session, color: 'blue' });
    expect(token.status).toBe(200);
    expect(token.body.gates).toEqual(cluster.config.lares.public_gates);

    const opened = openToken(token.body.token, loadTokenKeys(join(cluster.dataDir, 'secrets'), false));
    if (!opened.ok) throw new Error(`token did not open: ${opened.reason}`);
    expect(opened.token.accountId).toBe(BigInt(registered.body.account_id));
    expect(opened.token.color).toBe('blue');
    expect(opened.token.serverId).toBe(1n);
    expect(opened.token.status).toBe(TokenStatus.TOKEN_STATUS_PLAYER);
    expect(opened.token.jti).toHaveLength(16);
    expect(Number(opened.token.issuedAtMs)).toBeGreaterThanOrEqual(issuedAt);
    expect(Number(opened.token.expiresAtMs - opened.token.issuedAtMs)).toBe(300_000);
    expect(token.body.token_expires_at).toBe(Number(opened.token.expiresAtMs));
  });

  it('publishes every gate signing key as 32 raw bytes in base64', async () => {
    const { session } = await register(cluster.laresUrl);
    const token = await postJson(cluster.laresUrl, '/v1/tokens', { session });
    const keyring = loadGateSigningKeys(join(cluster.dataDir, 'secrets'), false);
    expect(token.body.gate_keys).toEqual([...keyring.keys.values()].map((key) => ({ key_id: key.id, ed25519_pub: key.publicRaw.toString('base64') })));
    expect(Buffer.from(token.body.gate_keys[0].ed25519_pub, 'base64')).toHaveLength(32);
  });

  it('issues a token with the default colour when none is asked for', async () => {
    const { session } = await register(cluster.laresUrl);
    const token = await postJson(cluster.laresUrl, '/v1/tokens', { session });
    const opened = openToken(token.body.token, loadTokenKeys(join(cluster.dataDir, 'secrets'), false));
    expect(opened.ok && opened.token.color).toBe('');
  });

  it('logs a guest device into one account every time, and another device into another', async () => {
    const deviceId = `device:${uniqueName()}`;
    const first = await postJson(cluster.laresUrl, '/v1/accounts/guest', { device_id: deviceId });
    const second = await postJson(cluster.laresUrl, '/v1/accounts/guest', { device_id: deviceId });
    const other = await postJson(cluster.laresUrl, '/v1/accounts/guest', { device_id: `${deviceId}-2` });
    expect([first.status, second.status, other.status]).toEqual([200, 200, 200]);
    expect(second.body.account_id).toBe(first.body.account_id);
    expect(second.body.session).not.toBe(first.body.session);
    expect(other.body.account_id).not.toBe(first.body.account_id);
  });

  it('gives a guest session the same token service as a registered one', async () => {
    const guest = await postJson(cluster.laresUrl, '/v1/accounts/guest', { device_id: `device:${uniqueName()}` });
    const token = await postJson(cluster.laresUrl, '/v1/tokens', { session: guest.body.session });
    expect(token.status).toBe(200);
  });

  it('keeps the old session usable until it is refreshed, and only then refuses it', async () => {
    const { session } = await register(cluster.laresUrl);
    expect((await postJson(cluster.laresUrl, '/v1/tokens', { session })).status).toBe(200);
    await postJson(cluster.laresUrl, '/v1/sessions/refresh', { session });
    expect((await postJson(cluster.laresUrl, '/v1/tokens', { session })).status).toBe(401);
  });

  it('logs one event line per registration and never logs passwords or sessions', async () => {
    const password = `pw-${uniqueName()}`;
    const { accountId, session } = await register(cluster.laresUrl, uniqueName(), password);
    const token = await postJson(cluster.laresUrl, '/v1/tokens', { session });
    const lares = cluster.processes.lares!;
    await lares.waitForLog((line) => line.event === 'token_issued' && line.account_id === accountId);
    expect(lares.lines.filter((line) => line.event === 'account_registered' && line.account_id === accountId)).toHaveLength(1);
    const everything = lares.lines.map((line) => JSON.stringify(line)).join('\n');
    expect(everything).not.toContain(password);
    expect(everything).not.toContain(session);
    expect(everything).not.toContain(token.body.token);
  });
});
