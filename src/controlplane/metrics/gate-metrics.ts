// GET /metrics for the gate. Workers publish their numbers over the rings
// once a second; the control plane keeps each worker's latest snapshot, and a
// scrape only reads those (and this thread's own state), so it never waits on
// or calls into a worker. Names follow Prometheus conventions: pantheon_gate_
// prefix, _total counters, _seconds and _bytes in base units. Every metric is
// listed in docs/operations.md.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { HttpReply } from '../../common/health-http.js';
import { createMetricsRegistry, metricsReply } from '../../common/metrics.js';
import type { ServiceInstance, WorkerCounters } from '../../gen/pantheon/gate/v1/ring.js';
import type { SenderStats } from '../../ring/ring-channel.js';
import type { Readiness } from '../readiness.js';
import { byLabel, histogramSamples, registerComputed, type Sample } from './computed-metric.js';
import { addWorkerTotals, cumulativeBuckets, emptyTotals, gateTotals, handshakeResultLabels, type GateTotals, type ModuleTotals } from './worker-totals.js';

export interface GateMetricsSources {
  /** The latest WorkerCounters of each live worker, by worker index. */
  snapshots: ReadonlyMap<number, WorkerCounters>;
  workers(): { ready: number; total: number };
  /** Control plane -> worker ring senders (this thread's side of each ring). */
  controlRings(): { worker: number; stats: SenderStats }[];
  sessions(): number;
  /** health() and stats() are read when the implementation has them. */
  registry: { instances(): ServiceInstance[]; health?(): { connected: boolean } };
  router: { stats?(): { up: boolean; fallbacks: number; errors?: number } };
  readiness: Readiness;
}

export class GateMetrics {
  readonly registry: Registry;
  private retired: GateTotals = emptyTotals();
  /** Totals as of the scrape being rendered (computed once per scrape, read by every metric). */
  private totals: GateTotals = emptyTotals();
  private readonly peaks = new Map<string, number>();
  private workersLost = 0;
  private readonly reloads: Counter<'result'>;
  private readonly lastReloadSuccess: Gauge;
  private readonly lastReloadTime: Gauge;

  constructor(private readonly sources: GateMetricsSources) {
    this.registry = createMetricsRegistry();
    const registers = [this.registry];
    this.reloads = new Counter({ name: 'pantheon_gate_config_reloads_total', help: 'SIGHUP config reloads, by result (ok, error).', labelNames: ['result'], registers });
    this.reloads.inc({ result: 'ok' }, 0);
    this.reloads.inc({ result: 'error' }, 0);
    this.lastReloadSuccess = new Gauge({ name: 'pantheon_gate_config_last_reload_success', help: '1 if the last config reload was applied (or none was tried), 0 if it was rejected.', registers });
    this.lastReloadSuccess.set(1);
    this.lastReloadTime = new Gauge({ name: 'pantheon_gate_config_last_reload_timestamp_seconds', help: 'When the last config reload was tried (Unix time); 0 = never.', registers });
    this.registerTraffic();
    this.registerWorkers();
    this.registerHealth();
  }

  /** The SIGHUP reload calls this with whether the new config was applied. */
  reloaded(ok: boolean): void {
    this.reloads.inc({ result: ok ? 'ok' : 'error' });
    this.lastReloadSuccess.set(ok ? 1 : 0);
    this.lastReloadTime.set(Date.now() / 1000);
  }

  /** A worker died: keep its totals so gate counters never go down. Call before its snapshot is dropped. */
  retireWorker(index: number): void {
    this.workersLost++;
    const last = this.sources.snapshots.get(index);
    if (last) addWorkerTotals(this.retired, last);
  }

  async reply(): Promise<HttpReply> {
    this.totals = gateTotals(this.retired, this.sources.snapshots.values());
    return metricsReply(this.registry);
  }

  private registerTraffic(): void {
    const r = this.registry;
    registerComputed(r, 'pantheon_gate_connections_total', 'Client connections accepted, by transport.', 'counter', () => byLabel('transport', this.totals.connections));
    registerComputed(r, 'pantheon_gate_handshakes_total', 'Handshakes by result: ok, or the HandshakeErrorCode refused with (lower case, no prefix).', 'counter', () =>
      handshakeResultLabels().map((result) => ({ labels: { result }, value: result === 'ok' ? this.totals.handshakesOk : (this.totals.handshakeFailures.get(result) ?? 0) })),
    );
    registerComputed(r, 'pantheon_gate_packets_total', 'Client packets by module id and direction (in = from clients).', 'counter', () =>
      this.perModule((m) => [m.packetsIn, m.packetsOut]),
    );
    registerComputed(r, 'pantheon_gate_bytes_total', 'Client frame bytes on the wire (after encryption) by module id and direction.', 'counter', () =>
      this.perModule((m) => [m.bytesIn, m.bytesOut]),
    );
    registerComputed(r, 'pantheon_gate_request_duration_seconds', 'Time from forwarding a request to Roma until its response came back, by module id.', 'histogram', () =>
      [...this.totals.modules]
        .filter(([, m]) => m.latencyCount > 0)
        .flatMap(([module, m]) => histogramSamples('pantheon_gate_request_duration_seconds', { module }, cumulativeBuckets(m.latencyBuckets), m.latencySum, m.latencyCount)),
    );
    registerComputed(r, 'pantheon_gate_errors_total', 'Errors by kind (protocol_error, decrypt, backend_timeout, service_unavailable, ...).', 'counter', () => byLabel('kind', this.totals.errors));
    registerComputed(r, 'pantheon_gate_rate_limited_total', 'Refusals by the limit that applied (named after its config key).', 'counter', () => byLabel('kind', this.totals.rateLimited));
    registerComputed(r, 'pantheon_gate_backend_requests_total', 'Requests written to a Roma instance, by instance id.', 'counter', () => byLabel('instance', this.totals.backendCalls));
    registerComputed(r, 'pantheon_gate_backend_failures_total', 'Requests to a Roma instance that were refused, timed out or lost with a broken tunnel.', 'counter', () =>
      byLabel('instance', this.totals.backendFailures),
    );
  }

  private registerWorkers(): void {
    const r = this.registry;
    const live = () => [...this.sources.snapshots.values()];
    registerComputed(r, 'pantheon_gate_connections_active', 'Open client connections, by transport.', 'gauge', () => byLabel('transport', this.openConnections()));
    registerComputed(r, 'pantheon_gate_connections_peak', 'Most client connections open at once since start, by transport (seen at one-second resolution across workers).', 'gauge', () =>
      byLabel('transport', this.updatePeaks()),
    );
    registerComputed(r, 'pantheon_gate_sessions_active', 'Established sessions.', 'gauge', () => [{ labels: {}, value: this.sources.sessions() }]);
    registerComputed(r, 'pantheon_gate_workers', 'Data-plane worker threads configured.', 'gauge', () => [{ labels: {}, value: this.sources.workers().total }]);
    registerComputed(r, 'pantheon_gate_workers_ready', 'Data-plane worker threads up.', 'gauge', () => [{ labels: {}, value: this.sources.workers().ready }]);
    registerComputed(r, 'pantheon_gate_workers_lost_total', 'Data-plane workers that died and were replaced.', 'counter', () => [{ labels: {}, value: this.workersLost }]);
    registerComputed(r, 'pantheon_gate_ring_used_bytes', 'Bytes waiting in a ring, by ring (to_worker, to_control) and worker.', 'gauge', () => this.ringSamples((s) => s.usedBytes));
    registerComputed(r, 'pantheon_gate_ring_capacity_bytes', 'Size of a ring, by ring and worker.', 'gauge', () => this.ringSamples((s) => s.capacityBytes));
    registerComputed(r, 'pantheon_gate_ring_backlog_messages', 'Messages held by a sender because its ring was full, by ring and worker.', 'gauge', () => this.ringSamples((s) => s.backlog));
    registerComputed(r, 'pantheon_gate_ring_deferred_total', 'Sends that found the ring full and waited, by ring and worker.', 'counter', () => this.ringSamples((s) => s.deferred));
    const lag = (name: string, help: string, pick: (l: { p50Seconds: number; p99Seconds: number; maxSeconds: number }) => number) =>
      registerComputed(r, name, help, 'gauge', () =>
        live().flatMap((c) => (c.metrics?.eventLoop ? [{ labels: { worker: c.worker }, value: pick(c.metrics.eventLoop) }] : [])),
      );
    lag('pantheon_gate_worker_eventloop_lag_p50_seconds', 'Median event-loop delay of a worker over the last second.', (l) => l.p50Seconds);
    lag('pantheon_gate_worker_eventloop_lag_p99_seconds', '99th percentile event-loop delay of a worker over the last second.', (l) => l.p99Seconds);
    lag('pantheon_gate_worker_eventloop_lag_max_seconds', 'Longest event-loop delay of a worker over the last second.', (l) => l.maxSeconds);
  }

  private registerHealth(): void {
    const r = this.registry;
    const { registry, router, readiness } = this.sources;
    const flag = (value: boolean): Sample[] => [{ labels: {}, value: value ? 1 : 0 }];
    registerComputed(r, 'pantheon_gate_ready', '1 when GET /ready answers 200.', 'gauge', () => flag(readiness.check().ready));
    registerComputed(r, 'pantheon_gate_draining', '1 while the gate drains.', 'gauge', () => flag(readiness.isDraining));
    registerComputed(r, 'pantheon_gate_registry_connected', '1 while the registry answers (always 1 for the static registry).', 'gauge', () =>
      flag(registry.health?.().connected ?? true),
    );
    registerComputed(r, 'pantheon_gate_registry_instances', 'Live instances in the registry view, by service.', 'gauge', () => {
      const counts = new Map<string, number>();
      for (const instance of registry.instances()) counts.set(instance.service, (counts.get(instance.service) ?? 0) + 1);
      return byLabel('service', counts);
    });
    registerComputed(r, 'pantheon_gate_router_up', '1 while the router store answers (always 1 for the memory router).', 'gauge', () => flag(router.stats?.().up ?? true));
    registerComputed(r, 'pantheon_gate_router_fallbacks_total', 'Sessions placed in memory because the router store failed.', 'counter', () => [
      { labels: {}, value: router.stats?.().fallbacks ?? 0 },
    ]);
  }

  private perModule(pick: (m: ModuleTotals) => [number, number]): Sample[] {
    return [...this.totals.modules].flatMap(([module, m]) => {
      const [inbound, outbound] = pick(m);
      return [
        { labels: { module, direction: 'in' }, value: inbound },
        { labels: { module, direction: 'out' }, value: outbound },
      ];
    });
  }

  private openConnections(): Map<string, number> {
    const open = new Map<string, number>();
    for (const counters of this.sources.snapshots.values()) {
      for (const t of counters.metrics?.transports ?? []) open.set(t.transport, (open.get(t.transport) ?? 0) + t.open);
    }
    return open;
  }

  /** The gate-wide peak: at least the open sum seen now and any single worker's own peak. */
  private updatePeaks(): Map<string, number> {
    for (const [transport, open] of this.openConnections()) this.peaks.set(transport, Math.max(this.peaks.get(transport) ?? 0, open));
    for (const counters of this.sources.snapshots.values()) {
      for (const t of counters.metrics?.transports ?? []) this.peaks.set(t.transport, Math.max(this.peaks.get(t.transport) ?? 0, t.peak));
    }
    return this.peaks;
  }

  private ringSamples(pick: (s: { usedBytes: number; capacityBytes: number; backlog: number; deferred: number }) => number): Sample[] {
    const toWorker = this.sources.controlRings().map(({ worker, stats }) => ({
      labels: { ring: 'to_worker', worker },
      value: pick({ usedBytes: stats.ringUsed, capacityBytes: stats.ringCapacity, backlog: stats.backlog, deferred: stats.deferred }),
    }));
    const toControl = [...this.sources.snapshots.values()].flatMap((c) => {
      const ring = c.metrics?.toControlRing;
      return ring ? [{ labels: { ring: 'to_control', worker: c.worker }, value: pick({ ...ring, deferred: Number(ring.deferred) }) }] : [];
    });
    return [...toWorker, ...toControl];
  }
}
