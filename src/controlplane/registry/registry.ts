// Service discovery as the control plane sees it: the live instances of each
// service, and a notification when that view changes. Implementations:
// static (config; the embedded default) and, later, etcd.
import type { ServiceInstance } from '../../gen/pantheon/gate/v1/ring.js';

export type { ServiceInstance };

export interface Registry {
  /** The current live view of every service. */
  instances(): ServiceInstance[];
  /** Called with the full new view whenever it changes. Returns an unsubscribe function. */
  onChange(listener: (instances: ServiceInstance[]) => void): () => void;
  close(): Promise<void>;
}

export function instancesOf(all: ServiceInstance[], service: string): ServiceInstance[] {
  return all.filter((instance) => instance.service === service);
}
