// The etcd client as discovery uses it, plus the small facts every registering
// process needs (advertised host, package version). Retrying is ours: the
// registration and the watcher back off themselves and log once per state change.
import { readFileSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import { noop } from 'cockatiel';
import type { PantheonConfig } from '../common/config/index.js';
import { PantheonError } from '../common/errors.js';

export type EtcdConfig = PantheonConfig['registry']['etcd'];

export function createEtcdClient(etcd: EtcdConfig): Etcd3 {
  return new Etcd3({
    hosts: etcd.endpoints,
    // The library's default circuit breaker keeps refusing calls for 5 s after
    // etcd is back, and its retries hide failures we want to count; our own
    // backoff does both jobs.
    faultHandling: { host: () => noop, global: noop },
    // A deadline on every unary call so a partitioned etcd fails the call
    // instead of hanging it; streams (watch, keepalive) live on.
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + etcd.dial_timeout_ms }),
    // Pings find a half-open connection (partition, dead host) that would
    // otherwise leave a watch silently stale.
    grpcOptions: { 'grpc.keepalive_time_ms': 10_000, 'grpc.keepalive_timeout_ms': 5_000 },
  });
}

const UNSPECIFIED_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);

/** The host other processes dial to reach this one. */
export function advertisedHost(registry: PantheonConfig['registry'], bindHost: string): string {
  const host = registry.advertise_host ?? bindHost;
  if (UNSPECIFIED_HOSTS.has(host)) {
    throw new PantheonError(
      'REGISTRY_ADVERTISE_HOST',
      `cannot advertise "${host}" in etcd: it is a bind-all address other processes cannot dial; set registry.advertise_host (or PANTHEON_REGISTRY__ADVERTISE_HOST) to this machine's reachable IP or DNS name`,
    );
  }
  return host;
}

/** `url` with its host replaced by the advertised one (ws://0.0.0.0:17100/ws → ws://10.0.0.5:17100/ws). */
export function advertisedUrl(url: string, host: string): string {
  const parsed = new URL(url);
  parsed.hostname = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return parsed.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
}

export function advertisedHostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

let cachedVersion: string | undefined;

/** package.json's version: dist/discovery/ and src/discovery/ both sit two levels below it. */
export function packageVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cachedVersion;
}
