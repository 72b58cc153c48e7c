// Prometheus exposition shared by every process: each service gets a
// prom-client Registry of its own (never the global one, so services started
// in one test process cannot collide) holding the default process metrics,
// and serves it as text on GET /metrics.
import { collectDefaultMetrics, Registry } from 'prom-client';
import { HttpReply } from './health-http.js';

export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** GET /metrics: the registry rendered in the Prometheus text format. */
export async function metricsReply(registry: Registry): Promise<HttpReply> {
  return new HttpReply(200, await registry.metrics(), registry.contentType);
}
