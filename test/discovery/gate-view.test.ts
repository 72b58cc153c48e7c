// The gate's live view of Roma from etcd, checked through what players see:
// Echo reaches a Roma that registered after the gate started, malformed values
// are ignored, and an etcd outage leaves the gate serving on its last view.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import { startEtcd, type TestEtcd } from '../harness/etcd.js';
import type { TestCluster } from '../harness/cluster.js';
import type { ServiceProcess } from '../harness/processes.js';
import { newPlayer } from '../harness/player.js';
import type { PantheonClient } from '../../src/sdk/node.js';
import { createEtcdCluster, echoOnNewSession, eventually, gateHealth, startExtraRoma } from './helpers.js';

const PREFIX = '/pantheon-test/gate-view';

describe("the gate's view of Roma on etcd", () => {
  let etcd: TestEtcd;
  let client: Etcd3;
  let cluster: TestCluster;
  let extraRoma: ServiceProcess | undefined;
  let session: PantheonClient | undefined;

  beforeAll(async () => {
    etcd = await startEtcd();
    client = new Etcd3({ hosts: etcd.endpoint });
    cluster = await createEtcdCluster(etcd.endpoint, PREFIX, ['lares', 'gate']);
  });
  afterAll(async () => {
    session?.close();
    await extraRoma?.stop();
    await cluster?.stop();
    client?.close();
    await etcd?.dispose();
  });

  it('routes Echo to a Roma that registered after the gate started', async () => {
    await expect(echoOnNewSession(cluster)).rejects.toMatchObject({ code: 3 }); // SERVICE_UNAVAILABLE: no Roma yet
    await cluster.start('roma');
    expect(await eventually(() => echoOnNewSession(cluster), (reply) => reply === 'ping', 5_000, 'Echo through the new Roma')).toBe('ping');
    expect((await gateHealth(cluster)).registry).toMatchObject({ kind: 'etcd', connected: true, last_error: '', instances: 1 });
  });

  it('ignores malformed values under the prefix and keeps routing', async () => {
    await client.put(`${PREFIX}/roma/broken`).value('{not json');
    await client.put(`${PREFIX}/roma/roma-9`).value(JSON.stringify({ service: 'roma', id: 'roma-9', endpoints: { grpc: 'nowhere' } }));
    const gate = cluster.processes.gate!;
    await gate.waitForLog((line) => line.event === 'registry_record_invalid' && line.key === `${PREFIX}/roma/broken`, 5_000);
    await gate.waitForLog((line) => line.event === 'registry_record_invalid' && line.key === `${PREFIX}/roma/roma-9`, 5_000);
    expect((await gateHealth(cluster)).registry.instances).toBe(1);
    expect(await echoOnNewSession(cluster)).toBe('ping');
    await client.delete().prefix(`${PREFIX}/roma/broken`);
    await client.delete().key(`${PREFIX}/roma/roma-9`);
  });

  it('keeps serving on its last view while etcd is down and picks up what changed when it is back', async () => {
    const gate = cluster.processes.gate!;
    const player = await newPlayer(cluster);
    session = await player.connect('ws');
    await session.request(2, 1, new Uint8Array([1]));

    await etcd.stop();
    const down = await eventually(() => gateHealth(cluster), (health) => health.registry.connected === false, 5_000, 'the gate noticing etcd is down');
    expect(down).toMatchObject({ status: 'ok', registry: { kind: 'etcd', connected: false, instances: 1 } });
    expect(down.registry.last_error).not.toBe('');
    // Existing and new sessions still reach Roma through the last known view.
    expect((await session.request(2, 1, new TextEncoder().encode('still'))).data).toEqual(new TextEncoder().encode('still'));
    expect(await echoOnNewSession(cluster)).toBe('ping');

    // A Roma started during the outage does not wait for etcd to be ready.
    extraRoma = await startExtraRoma(cluster, 'roma-2');
    await extraRoma.waitForLog((line) => line.event === 'registry_registration_failed', 5_000);

    await etcd.restart();
    await eventually(() => gateHealth(cluster), (health) => health.registry.connected && health.registry.instances === 2, 10_000, 'the gate seeing roma-2');
    // Logged once per state change, not once per retry (and per watched service: roma and room).
    expect(gate.lines.filter((line) => line.event === 'registry_disconnected' && String(line.prefix).includes('/roma'))).toHaveLength(1);

    // With roma-1 gone, new sessions can only be served by roma-2, found after the outage.
    await cluster.processes.roma!.stop();
    await eventually(() => gateHealth(cluster), (health) => health.registry.instances === 1, 5_000, 'roma-1 leaving the view');
    expect(await echoOnNewSession(cluster)).toBe('ping');
  });
});
