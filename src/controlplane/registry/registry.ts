// Service discovery as the control plane sees it: the live instances of each
// service, and a notification when that view changes. Implementations:
// static (config; the embedded default) and etcd (src/discovery, watched live).
import type { ServiceInstance } from '../../gen/pantheon/gate/v1/ring.js';

export type { ServiceInstance };

/** For GET /health and metrics: is the view live, and how big is it. */
export interface RegistryHealth {
  kind: 'static' | 'etcd';
  /** false while etcd is unreachable: the gate then routes on its last known view. */
  connected: boolean;
  last_error: string;
  /** When the view last changed (ms since the epoch); 0 = never. */
  last_change_ms: number;
  instances: number;
}

export interface Registry {
  /** The current live view of every service. */
  instances(): ServiceInstance[];
  /** Called with the full new view whenever it changes. Returns an unsubscribe function. */
  onChange(listener: (instances: ServiceInstance[]) => void): () => void;
  health(): RegistryHealth;
  close(): Promise<void>;
}

export function instancesOf(all: ServiceInstance[], service: string): ServiceInstance[] {
  return all.filter((instance) => instance.service === service);
}
