// The registry on etcd: Roma instances as src/discovery watches them, mapped
// to the ServiceInstance the router and the workers use. Listeners hear only
// about changes that matter for routing; a load-only update stays silent.
import type { PantheonConfig } from '../../common/config/index.js';
import type { Logger } from '../../common/logger.js';
import { watchService, type ServiceRecord, type WatchedService } from '../../discovery/index.js';
import type { Registry, RegistryHealth, ServiceInstance } from './registry.js';

export class EtcdRegistry implements Registry {
  private view: ServiceInstance[] = [];
  private viewKey = '';
  private readonly listeners = new Set<(instances: ServiceInstance[]) => void>();

  private constructor(private readonly roma: WatchedService) {
    this.update(roma.list());
    roma.onChange((records) => this.update(records));
  }

  /** Resolves after the first look at etcd; an unreachable etcd leaves an empty view that fills in on reconnect. */
  static async start(config: PantheonConfig, logger: Logger): Promise<EtcdRegistry> {
    return new EtcdRegistry(await watchService(config, 'roma', logger));
  }

  instances(): ServiceInstance[] {
    return this.view;
  }

  onChange(listener: (instances: ServiceInstance[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  health(): RegistryHealth {
    return { kind: 'etcd', ...this.roma.health() };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.roma.close();
  }

  private update(records: ServiceRecord[]): void {
    const view = records
      .map((record) => ({ id: record.id, service: record.service, grpcAddress: record.endpoints.grpc, color: record.color, weight: record.weight }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const key = JSON.stringify(view);
    if (key === this.viewKey) return;
    this.view = view;
    this.viewKey = key;
    for (const listener of this.listeners) listener(view);
  }
}
