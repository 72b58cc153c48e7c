// The registry on etcd: the game-service instances (player-role Roma as
// "roma", room-role Roma as "room") as src/discovery watches them, mapped to
// the ServiceInstance the router and the workers use. Listeners hear only
// about changes that matter for routing; a load-only update stays silent.
import type { PantheonConfig } from '../../common/config/index.js';
import type { Logger } from '../../common/logger.js';
import { watchService, type ServiceRecord, type WatchedService } from '../../discovery/index.js';
import type { Registry, RegistryHealth, ServiceInstance } from './registry.js';

/** The services gates route client modules to (gate.module_services names them). */
const GAME_SERVICES = ['roma', 'room'] as const;

export class EtcdRegistry implements Registry {
  private view: ServiceInstance[] = [];
  private viewKey = '';
  private readonly listeners = new Set<(instances: ServiceInstance[]) => void>();

  private constructor(private readonly watched: WatchedService[]) {
    this.update();
    for (const service of watched) service.onChange(() => this.update());
  }

  /** Resolves after the first look at etcd; an unreachable etcd leaves an empty view that fills in on reconnect. */
  static async start(config: PantheonConfig, logger: Logger): Promise<EtcdRegistry> {
    return new EtcdRegistry(await Promise.all(GAME_SERVICES.map((service) => watchService(config, service, logger))));
  }

  instances(): ServiceInstance[] {
    return this.view;
  }

  onChange(listener: (instances: ServiceInstance[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Connected only while every watch is; the newest change and the total count. */
  health(): RegistryHealth {
    const all = this.watched.map((service) => service.health());
    const failing = all.find((health) => !health.connected);
    return {
      kind: 'etcd',
      connected: failing === undefined,
      last_error: failing?.last_error ?? all.find((health) => health.last_error !== '')?.last_error ?? '',
      last_change_ms: Math.max(0, ...all.map((health) => health.last_change_ms)),
      instances: all.reduce((sum, health) => sum + health.instances, 0),
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await Promise.all(this.watched.map((service) => service.close()));
  }

  private update(): void {
    const records: ServiceRecord[] = this.watched.flatMap((service) => service.list());
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
