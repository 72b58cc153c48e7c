// Every process registers itself in a real etcd, keeps its load current, and
// leaves: at once on a clean stop, after the lease TTL when killed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import { startEtcd, type TestEtcd } from '../harness/etcd.js';
import type { TestCluster } from '../harness/cluster.js';
import { newPlayer } from '../harness/player.js';
import { repoRoot } from '../harness/processes.js';
import { createEtcdCluster, eventually, LEASE_TTL_S, readPrefix } from './helpers.js';

const PREFIX = '/pantheon-test/registration';
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

describe('registration in etcd', () => {
  let etcd: TestEtcd;
  let client: Etcd3;
  let cluster: TestCluster;

  beforeAll(async () => {
    etcd = await startEtcd();
    client = new Etcd3({ hosts: etcd.endpoint });
    cluster = await createEtcdCluster(etcd.endpoint, PREFIX, ['roma', 'lares', 'gate', 'senate']);
  });
  afterAll(async () => {
    await cluster?.stop();
    client?.close();
    await etcd?.dispose();
  });

  it('registers each of the four services under <prefix>/<service>/<instance-id> with its endpoints', async () => {
    const p = cluster.ports;
    const values = await readPrefix(client, PREFIX);
    expect(Object.keys(values).sort()).toEqual([`${PREFIX}/gate/gate-1`, `${PREFIX}/lares/lares-1`, `${PREFIX}/roma/roma-1`, `${PREFIX}/senate/senate-1`]);
    const common = { zone: 1, weight: 100, color: '', version, load: expect.any(Number), started_at_ms: expect.any(Number) };
    expect(values[`${PREFIX}/gate/gate-1`]).toEqual({
      ...common,
      service: 'gate',
      id: 'gate-1',
      endpoints: { grpc: `127.0.0.1:${p.gateGrpc}`, ws: `ws://127.0.0.1:${p.gateWs}/ws`, tcp: `tcp://127.0.0.1:${p.gateTcp}`, admin: `http://127.0.0.1:${p.gateAdmin}` },
    });
    expect(values[`${PREFIX}/roma/roma-1`]).toEqual({ ...common, service: 'roma', id: 'roma-1', endpoints: { grpc: `127.0.0.1:${p.romaGrpc}`, http: `http://127.0.0.1:${p.romaHttp}` } });
    expect(values[`${PREFIX}/lares/lares-1`]).toEqual({ ...common, service: 'lares', id: 'lares-1', endpoints: { grpc: `127.0.0.1:${p.laresGrpc}`, http: `http://127.0.0.1:${p.laresHttp}` } });
    expect(values[`${PREFIX}/senate/senate-1`]).toEqual({ ...common, service: 'senate', id: 'senate-1', endpoints: { grpc: `127.0.0.1:${p.senateGrpc}`, http: `http://127.0.0.1:${p.senateHttp}` } });
    expect(Date.now() - values[`${PREFIX}/roma/roma-1`].started_at_ms).toBeLessThan(60_000);
  });

  it('keeps the load current: open sessions on the gate and on Roma', async () => {
    const player = await newPlayer(cluster);
    const session = await player.connect('ws');
    await session.request(2, 1, new Uint8Array([1])); // Echo: opens the session on Roma too
    const loads = async () => {
      const values = await readPrefix(client, PREFIX);
      return [values[`${PREFIX}/gate/gate-1`].load, values[`${PREFIX}/roma/roma-1`].load];
    };
    await eventually(loads, ([gate, roma]) => gate === 1 && roma === 1, 8_000, 'load 1 on gate and Roma');
    session.close();
    await eventually(loads, ([gate, roma]) => gate === 0 && roma === 0, 8_000, 'load back to 0');
  });

  it('lists the gates Senate asks from etcd, not from registry.gate', async () => {
    const response = await fetch(`http://127.0.0.1:${cluster.ports.senateHttp}/sessions`);
    const body = (await response.json()) as { gates: { gate_id: string; endpoint: string; error: string | null }[] };
    expect(body.gates).toHaveLength(1);
    expect(body.gates[0]).toMatchObject({ gate_id: 'gate-1', endpoint: `127.0.0.1:${cluster.ports.gateGrpc}`, error: null });
  });

  it('registers again under a new lease when etcd forgets the old one', async () => {
    const key = `${PREFIX}/gate/gate-1`;
    const before = (await client.get(key).exec()).kvs[0];
    await client.leaseClient.leaseRevoke({ ID: before.lease }); // what etcd does to a lease it stopped hearing from
    expect(await client.get(key).string()).toBeNull();
    const after = await eventually(async () => (await client.get(key).exec()).kvs[0], (kv) => kv !== undefined, 5_000, 'the gate registering again');
    expect(after.lease).not.toBe(before.lease);
    expect(JSON.parse(after.value.toString())).toMatchObject({ service: 'gate', id: 'gate-1' });
  });

  it('deletes the key as soon as Roma stops cleanly', async () => {
    const key = `${PREFIX}/roma/roma-1`;
    expect(await client.get(key).string()).not.toBeNull();
    expect(await cluster.processes.roma!.stop()).toBe(0);
    expect(await client.get(key).string()).toBeNull();
  });

  it('lets the key of a Roma killed with SIGKILL expire with its lease', async () => {
    const key = `${PREFIX}/roma/roma-1`;
    const roma = await cluster.start('roma');
    await eventually(() => client.get(key).string(), (value) => value !== null, 5_000, 'Roma registered again');
    roma.child.kill('SIGKILL');
    await roma.exited;
    const killedAt = Date.now();
    expect(await client.get(key).string()).not.toBeNull(); // nobody deleted it: only the lease can
    await eventually(() => client.get(key).string(), (value) => value === null, (LEASE_TTL_S + 3) * 1_000, 'the key expired');
    expect(Date.now() - killedAt).toBeGreaterThan(500);
  });
});
