// Shared set-up for the discovery tests: a cluster on the etcd registry, a
// reader of what is under the prefix, and extra Roma instances with their own
// config file (id and ports), started the way an operator would.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { stringify } from 'yaml';
import { createTestCluster, deepMerge, type ServiceName, type TestCluster } from '../harness/cluster.js';
import { freePorts } from '../harness/ports.js';
import { startService, type ServiceProcess } from '../harness/processes.js';
import { newPlayer } from '../harness/player.js';
import { EchoSeq, Module } from '../../src/sdk/node.js';

export const LEASE_TTL_S = 2;

export function etcdClusterOptions(endpoint: string, prefix: string, services: ServiceName[]) {
  return {
    services,
    overrides: {
      // Empty static lists: whatever the processes find, they found in etcd.
      registry: { kind: 'etcd', roma: [], gate: [], etcd: { endpoints: [endpoint], prefix, lease_ttl_s: LEASE_TTL_S, dial_timeout_ms: 1_000 } },
      gate: { backend_timeout_ms: 1_000, route_timeout_ms: 500 },
    },
  };
}

export function createEtcdCluster(endpoint: string, prefix: string, services: ServiceName[]): Promise<TestCluster> {
  return createTestCluster(etcdClusterOptions(endpoint, prefix, services));
}

/** Values under `prefix`, by key, parsed as JSON when they are. */
export async function readPrefix(client: Etcd3, prefix: string): Promise<Record<string, any>> {
  const all = await client.getAll().prefix(`${prefix}/`).strings();
  return Object.fromEntries(
    Object.entries(all).map(([key, value]) => {
      try {
        return [key, JSON.parse(value)];
      } catch {
        return [key, value]; // a malformed value a test planted; compared as text
      }
    }),
  );
}

/** Starts another Roma process with its own id and ports, on a copy of the cluster's config. */
export async function startExtraRoma(cluster: TestCluster, id: string): Promise<ServiceProcess> {
  const [grpc, http] = await freePorts(2);
  const config = deepMerge(cluster.config, { roma: { id, grpc: { port: grpc }, http: { port: http } } });
  const path = join(cluster.dir, `${id}.yaml`);
  writeFileSync(path, stringify(config));
  return startService('roma', path);
}

/** One Echo round trip on a brand-new session (so no route is cached from before). */
export async function echoOnNewSession(cluster: TestCluster): Promise<string> {
  const player = await newPlayer(cluster);
  const client = await player.connect('ws');
  try {
    const reply = await client.request(Module.MODULE_ECHO, EchoSeq.ECHO_SEQ_ECHO, new TextEncoder().encode('ping'));
    return new TextDecoder().decode(reply.data);
  } finally {
    client.close();
  }
}

export async function eventually<T>(probe: () => Promise<T> | T, accept: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (accept(last as T)) return last as T;
    } catch (error) {
      last = error;
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
}

export async function gateHealth(cluster: TestCluster): Promise<any> {
  const response = await fetch(`http://127.0.0.1:${cluster.ports.gateAdmin}/health`);
  return response.json();
}
