// Outlier detection per backend instance, per worker: consecutive failures
// (timeouts, broken streams) eject the instance for a backoff period. The
// worker tells the control plane, which stops routing sessions there; the
// instance's sessions are re-placed on their next request.

export interface CircuitSettings {
  consecutiveFailures: number;
  ejectMs: number;
}

interface InstanceHealth {
  failures: number;
  ejectedUntil: number;
}

export class CircuitBreaker {
  private readonly instances = new Map<string, InstanceHealth>();

  constructor(private settings: () => CircuitSettings) {}

  /** Returns the ejection deadline when this failure trips the breaker, else 0. */
  recordFailure(instanceId: string, now: number): number {
    const health = this.healthOf(instanceId);
    if (health.ejectedUntil > now) return 0;
    health.failures++;
    if (health.failures < this.settings().consecutiveFailures) return 0;
    health.failures = 0;
    health.ejectedUntil = now + this.settings().ejectMs;
    return health.ejectedUntil;
  }

  recordSuccess(instanceId: string): void {
    const health = this.instances.get(instanceId);
    if (health) health.failures = 0;
  }

  isEjected(instanceId: string, now: number): boolean {
    return (this.instances.get(instanceId)?.ejectedUntil ?? 0) > now;
  }

  private healthOf(instanceId: string): InstanceHealth {
    let health = this.instances.get(instanceId);
    if (!health) this.instances.set(instanceId, (health = { failures: 0, ejectedUntil: 0 }));
    return health;
  }
}
