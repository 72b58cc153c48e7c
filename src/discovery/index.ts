// Discovery as the services use it: `registerSelf` publishes this process in
// etcd (a no-op with the static registry, where config lists the instances),
// `watchService` keeps a live view of another service. Each owns its etcd
// client, so a service never imports the gate's control plane or etcd3 itself.
import type { PantheonConfig } from '../common/config/index.js';
import type { Logger } from '../common/logger.js';
import { advertisedHost, advertisedHostPort, advertisedUrl, createEtcdClient, packageVersion } from './etcd-client.js';
import { ServiceRegistration } from './registration.js';
import type { ServiceName, ServiceRecord } from './service-record.js';
import { ServiceWatcher, type WatcherHealth } from './service-watcher.js';

export type { ServiceName, ServiceRecord, WatcherHealth };

export interface SelfDescription {
  service: ServiceName;
  id: string;
  /** The host the process binds; advertised unless registry.advertise_host is set. */
  bindHost: string;
  grpcPort: number;
  /** URLs as bound (their host is replaced by the advertised one). */
  urls: Partial<Record<'http' | 'ws' | 'tcp' | 'admin', string>>;
  color: string;
  weight: number;
  /** Read every few seconds; a change re-puts the record. */
  load?: () => number;
}

export interface SelfRegistration {
  /** Deletes the record (revokes its lease) and closes the etcd client. Call it first when stopping. */
  close(): Promise<void>;
}

export interface WatchedService {
  list(): ServiceRecord[];
  onChange(listener: (records: ServiceRecord[]) => void): () => void;
  health(): WatcherHealth;
  close(): Promise<void>;
}

/**
 * Registers this process when registry.kind is "etcd". Resolves after the first
 * attempt whether or not etcd answered: start-up never waits for etcd, and a
 * failed registration keeps retrying in the background. Throws only for a
 * configuration error (an unadvertisable host).
 */
export async function registerSelf(config: PantheonConfig, logger: Logger, self: SelfDescription): Promise<SelfRegistration> {
  if (config.registry.kind !== 'etcd') return { close: async () => {} };
  const host = advertisedHost(config.registry, self.bindHost);
  const endpoints: ServiceRecord['endpoints'] = { grpc: advertisedHostPort(host, self.grpcPort) };
  for (const [name, url] of Object.entries(self.urls) as [keyof typeof self.urls, string | undefined][]) {
    if (url) endpoints[name] = advertisedUrl(url, host);
  }
  const etcd = config.registry.etcd;
  const client = createEtcdClient(etcd);
  const registration = new ServiceRegistration({
    client,
    prefix: etcd.prefix,
    leaseTtlS: etcd.lease_ttl_s,
    record: {
      service: self.service,
      id: self.id,
      endpoints,
      color: self.color,
      zone: config.zone,
      weight: self.weight,
      version: packageVersion(),
      started_at_ms: Date.now(),
    },
    load: self.load ?? (() => 0),
    logger: logger.child({ component: 'registration' }),
  });
  await registration.start();
  return {
    async close() {
      await registration.close();
      client.close();
    },
  };
}

/** A live view of `service` from etcd. Resolves after the first attempt; a failed one keeps retrying in the background. */
export async function watchService(config: PantheonConfig, service: ServiceName, logger: Logger): Promise<WatchedService> {
  const etcd = config.registry.etcd;
  const client = createEtcdClient(etcd);
  const watcher = new ServiceWatcher({ client, prefix: etcd.prefix, service, connectTimeoutMs: etcd.dial_timeout_ms, logger: logger.child({ component: 'discovery' }) });
  await watcher.start();
  return {
    list: () => watcher.list(),
    onChange: (listener) => watcher.onChange(listener),
    health: () => watcher.health(),
    async close() {
      await watcher.close();
      client.close();
    },
  };
}
