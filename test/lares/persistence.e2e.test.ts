// What Lares keeps across a real process restart, and LaresAdmin over gRPC.
import { Agent, get } from 'node:http';
import { credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LaresAdminClient, type GetAccountResponse } from '../../src/gen/pantheon/lares/v1/admin.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { postJson, register, uniqueName } from './lares-client.js';

function getAccount(client: LaresAdminClient, accountId: bigint): Promise<GetAccountResponse> {
  return new Promise((resolveAnswer, reject) => {
    client.getAccount({ accountId }, (error, response) => (error ? reject(error) : resolveAnswer(response)));
  });
}

async function restartLares(cluster: TestCluster): Promise<void> {
  expect(await cluster.processes.lares!.stop()).toBe(0);
  await cluster.start('lares');
}

describe('Lares persistence across restarts', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await createTestCluster({ services: ['lares'] });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('still logs in a registered username, keeps sessions and guest devices, and never reuses an account id', async () => {
    const url = cluster.laresUrl;
    const user = await register(url, uniqueName('Persist'));
    const deviceId = `device:${uniqueName()}`;
    const guest = await postJson(url, '/v1/accounts/guest', { device_id: deviceId });

    await restartLares(cluster);

    const login = await postJson(url, '/v1/accounts/login', { username: user.username.toLowerCase(), password: user.password });
    expect(login.status).toBe(200);
    expect(login.body.account_id).toBe(user.accountId);
    expect((await postJson(url, '/v1/tokens', { session: user.session })).status).toBe(200);
    expect((await postJson(url, '/v1/accounts/guest', { device_id: deviceId })).body.account_id).toBe(guest.body.account_id);
    expect((await postJson(url, '/v1/accounts/register', { username: user.username, password: 'password1' })).status).toBe(409);

    const next = await register(url);
    expect(BigInt(next.accountId)).toBeGreaterThan(BigInt(guest.body.account_id));
    expect(BigInt(guest.body.account_id)).toBeGreaterThan(BigInt(user.accountId));
  });

  it('stops cleanly and promptly on SIGTERM while a client holds an idle keep-alive connection', async () => {
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolveDone, reject) => {
      get(`${cluster.laresUrl}/health`, { agent }, (response) => response.resume().on('end', resolveDone)).on('error', reject);
    });
    expect(Object.values(agent.freeSockets).flat()).toHaveLength(1);
    const lares = cluster.processes.lares!;
    const started = Date.now();
    expect(await lares.stop()).toBe(0);
    // Well under the 2 s grace: idle keep-alive sockets are closed at once, not waited out.
    expect(Date.now() - started).toBeLessThan(1_900);
    expect(lares.lines.some((line) => line.event === 'stopped')).toBe(true);
    agent.destroy();
    await cluster.start('lares');
  });
});

describe('LaresAdmin gRPC', () => {
  let cluster: TestCluster;
  let client: LaresAdminClient;

  beforeAll(async () => {
    cluster = await createTestCluster({ services: ['lares'] });
    client = new LaresAdminClient(cluster.processes.lares!.endpoints.grpc, credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await cluster?.stop();
  });

  it('returns a registered account with its username, creation and last login time', async () => {
    const before = Date.now();
    const user = await register(cluster.laresUrl, uniqueName('Admin'));
    await postJson(cluster.laresUrl, '/v1/accounts/login', { username: user.username, password: user.password });
    const { account } = await getAccount(client, BigInt(user.accountId));
    expect(account).toMatchObject({ accountId: BigInt(user.accountId), username: user.username, guest: false });
    expect(Number(account!.createdAtMs)).toBeGreaterThanOrEqual(before);
    expect(account!.lastLoginAtMs).toBeGreaterThanOrEqual(account!.createdAtMs);
  });

  it('returns a guest account as guest with no username', async () => {
    const guest = await postJson(cluster.laresUrl, '/v1/accounts/guest', { device_id: `device:${uniqueName()}` });
    const { account } = await getAccount(client, BigInt(guest.body.account_id));
    expect(account).toMatchObject({ accountId: BigInt(guest.body.account_id), username: '', guest: true });
  });

  it('leaves the account unset for an unknown id', async () => {
    expect((await getAccount(client, 999n)).account).toBeUndefined();
    expect((await getAccount(client, 9_000_000_000_000n)).account).toBeUndefined();
  });
});
