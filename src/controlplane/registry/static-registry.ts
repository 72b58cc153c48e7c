// The embedded registry: instances listed in config, always considered live.
// A SIGHUP reload may replace the list (e.g. new weights).
import type { PantheonConfig } from '../../common/config/index.js';
import type { Registry, RegistryHealth, ServiceInstance } from './registry.js';

export class StaticRegistry implements Registry {
  private view: ServiceInstance[];
  private changedMs = Date.now();
  private readonly listeners = new Set<(instances: ServiceInstance[]) => void>();

  constructor(registry: PantheonConfig['registry']) {
    this.view = instancesFrom(registry);
  }

  instances(): ServiceInstance[] {
    return this.view;
  }

  onChange(listener: (instances: ServiceInstance[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Replaces the view from a reloaded config and tells the listeners. */
  reload(registry: PantheonConfig['registry']): void {
    this.view = instancesFrom(registry);
    this.changedMs = Date.now();
    for (const listener of this.listeners) listener(this.view);
  }

  health(): RegistryHealth {
    return { kind: 'static', connected: true, last_error: '', last_change_ms: this.changedMs, instances: this.view.length };
  }

  async close(): Promise<void> {}
}

function instancesFrom(registry: PantheonConfig['registry']): ServiceInstance[] {
  const listed = (service: string, instances: PantheonConfig['registry']['roma']) =>
    instances.map((instance) => ({ id: instance.id, service, grpcAddress: instance.grpc_address, color: instance.color, weight: instance.weight }));
  // Player-role Roma registers as "roma", room-role Roma as "room" (gate.module_services routes modules to them).
  return [...listed('roma', registry.roma), ...listed('room', registry.room)];
}
