// The embedded registry: instances listed in config, always considered live.
import type { PantheonConfig } from '../../common/config/index.js';
import type { Registry, ServiceInstance } from './registry.js';

export class StaticRegistry implements Registry {
  private readonly view: ServiceInstance[];

  constructor(registry: PantheonConfig['registry']) {
    this.view = registry.roma.map((instance) => ({
      id: instance.id,
      service: 'roma',
      grpcAddress: instance.grpc_address,
      color: instance.color,
      weight: instance.weight,
    }));
  }

  instances(): ServiceInstance[] {
    return this.view;
  }

  onChange(): () => void {
    return () => {}; // a static view never changes
  }

  async close(): Promise<void> {}
}
