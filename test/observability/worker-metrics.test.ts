// The worker-side metric structures and how the control plane sums them,
// without processes: snapshots go through the same protobuf encoding the
// rings use, and GateMetrics renders what a scrape would see.
import { describe, expect, it } from 'vitest';
import { HandshakeErrorCode } from '../../src/gen/pantheon/client/v1/handshake.js';
import { WorkerCounters } from '../../src/gen/pantheon/gate/v1/ring.js';
import { LATENCY_BUCKETS_SECONDS } from '../../src/common/latency-buckets.js';
import { LatencyHistogram } from '../../src/dataplane/metrics/latency-histogram.js';
import { MAX_TRACKED_MODULES, WorkerMetrics } from '../../src/dataplane/metrics/worker-metrics.js';
import { WorkerCounterSet } from '../../src/dataplane/counters.js';
import { GateMetrics } from '../../src/controlplane/metrics/gate-metrics.js';
import { cumulativeBuckets, emptyTotals, gateTotals, handshakeResultLabel } from '../../src/controlplane/metrics/worker-totals.js';
import { Readiness } from '../../src/controlplane/readiness.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

/** A worker's snapshot after the trip over a ring (encode, decode). */
function overRing(counters: WorkerCounterSet): WorkerCounters {
  return WorkerCounters.decode(WorkerCounters.encode(counters.snapshot()).finish());
}

function gateMetricsOver(snapshots: Map<number, WorkerCounters>, readiness = new Readiness({ workers: () => ({ ready: 2, total: 2 }), registryConnected: () => true })) {
  return new GateMetrics({
    snapshots,
    workers: () => ({ ready: 2, total: 2 }),
    controlRings: () => [],
    sessions: () => 0,
    registry: { instances: () => [{ id: 'roma-1', service: 'roma', grpcAddress: '127.0.0.1:1', color: '', weight: 100 }] },
    router: {},
    readiness,
  });
}

async function render(metrics: GateMetrics) {
  const reply = await metrics.reply();
  return parsePrometheusText(String(reply.body));
}

describe('LatencyHistogram', () => {
  it('puts an observation in the first bucket whose bound it does not exceed, and past the last bound in +Inf', () => {
    const histogram = new LatencyHistogram();
    histogram.observe(LATENCY_BUCKETS_SECONDS[0]);
    histogram.observe(0.003);
    histogram.observe(60);
    const snapshot = histogram.snapshot();
    expect(snapshot.bucketCounts).toHaveLength(LATENCY_BUCKETS_SECONDS.length + 1);
    expect(snapshot.bucketCounts[0]).toBe(1n);
    expect(snapshot.bucketCounts[LATENCY_BUCKETS_SECONDS.indexOf(0.005)]).toBe(1n);
    expect(snapshot.bucketCounts[LATENCY_BUCKETS_SECONDS.length]).toBe(1n);
    expect(snapshot.count).toBe(3n);
    expect(snapshot.sumSeconds).toBeCloseTo(60.0035, 6);
  });
});

describe('WorkerMetrics', () => {
  it('tracks open, total and peak connections per transport', () => {
    const metrics = new WorkerMetrics();
    metrics.connectionOpened('ws');
    metrics.connectionOpened('ws');
    metrics.connectionClosed('ws');
    metrics.connectionOpened('tcp');
    const transports = Object.fromEntries(metrics.snapshot().transports.map((t) => [t.transport, t]));
    expect(transports.ws).toEqual({ transport: 'ws', open: 1, total: 2n, peak: 2 });
    expect(transports.tcp).toEqual({ transport: 'tcp', open: 1, total: 1n, peak: 1 });
  });

  it('folds module ids past the tracking cap, and ids below 1, into one "other" row', () => {
    const metrics = new WorkerMetrics();
    for (let mod = 1; mod <= MAX_TRACKED_MODULES + 10; mod++) metrics.packetIn(mod, 10);
    metrics.packetIn(-5, 10);
    const modules = metrics.snapshot().modules;
    expect(modules.filter((m) => !m.other)).toHaveLength(MAX_TRACKED_MODULES);
    expect(modules.find((m) => m.other)).toMatchObject({ packetsIn: 11n, bytesIn: 110n });
  });

  it('counts handshake failures by code and errors and limits by kind', () => {
    const metrics = new WorkerMetrics();
    metrics.handshakeFailed(HandshakeErrorCode.HANDSHAKE_ERROR_TOKEN_EXPIRED);
    metrics.handshakeFailed(HandshakeErrorCode.HANDSHAKE_ERROR_TOKEN_EXPIRED);
    metrics.handshakeFailed(999 as HandshakeErrorCode);
    metrics.error('decrypt');
    metrics.rateLimited('session_traffic');
    metrics.backendCall('roma-1');
    metrics.backendFailure('roma-1');
    const snapshot = metrics.snapshot();
    expect(snapshot.handshakeFailuresByCode[HandshakeErrorCode.HANDSHAKE_ERROR_TOKEN_EXPIRED]).toBe(2n);
    expect(snapshot.handshakeFailuresByCode[HandshakeErrorCode.HANDSHAKE_ERROR_UNSPECIFIED]).toBe(1n);
    expect(snapshot.errors.find((e) => e.label === 'decrypt')?.count).toBe(1n);
    expect(snapshot.rateLimited.find((e) => e.label === 'session_traffic')?.count).toBe(1n);
    expect(snapshot.backends).toEqual([{ instanceId: 'roma-1', calls: 1n, failures: 1n }]);
  });
});

describe('gate totals over workers', () => {
  it('names handshake results after HandshakeErrorCode without its prefix', () => {
    expect(handshakeResultLabel(HandshakeErrorCode.HANDSHAKE_ERROR_TOKEN_REPLAYED)).toBe('token_replayed');
    expect(handshakeResultLabel(HandshakeErrorCode.HANDSHAKE_ERROR_UNSPECIFIED)).toBe('internal');
  });

  it('turns per-bucket counts into cumulative le buckets ending in +Inf', () => {
    const perBucket = new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0);
    perBucket[0] = 2;
    perBucket[3] = 1;
    perBucket[LATENCY_BUCKETS_SECONDS.length] = 4;
    const cumulative = cumulativeBuckets(perBucket);
    expect(cumulative[0]).toEqual({ le: String(LATENCY_BUCKETS_SECONDS[0]), count: 2 });
    expect(cumulative[3].count).toBe(3);
    expect(cumulative.at(-1)).toEqual({ le: '+Inf', count: 7 });
  });

  it('does not change the retired totals it starts from', () => {
    const retired = emptyTotals();
    const worker = new WorkerCounterSet(0);
    worker.handshakesOk = 3;
    expect(gateTotals(retired, [overRing(worker)]).handshakesOk).toBe(3);
    expect(retired.handshakesOk).toBe(0);
  });
});

describe('GateMetrics', () => {
  it('sums every worker, histogram buckets included, and keeps a lost worker in its counters', async () => {
    const snapshots = new Map<number, WorkerCounters>();
    const workers = [new WorkerCounterSet(0), new WorkerCounterSet(1)];
    for (const [index, worker] of workers.entries()) {
      worker.handshakesOk = index + 1;
      worker.connectionOpened('ws');
      worker.metrics.packetIn(2, 100);
      worker.metrics.requestAnswered(2, 0.002);
      worker.metrics.backendCall('roma-1');
      snapshots.set(index, overRing(worker));
    }
    const metrics = gateMetricsOver(snapshots);
    let parsed = await render(metrics);
    expect(sampleValue(parsed, 'pantheon_gate_handshakes_total', { result: 'ok' })).toBe(3);
    expect(sampleValue(parsed, 'pantheon_gate_connections_active', { transport: 'ws' })).toBe(2);
    expect(sampleValue(parsed, 'pantheon_gate_packets_total', { module: '2', direction: 'in' })).toBe(2);
    expect(sampleValue(parsed, 'pantheon_gate_bytes_total', { module: '2', direction: 'in' })).toBe(200);
    expect(sampleValue(parsed, 'pantheon_gate_request_duration_seconds_bucket', { module: '2', le: '0.001' })).toBe(0);
    expect(sampleValue(parsed, 'pantheon_gate_request_duration_seconds_bucket', { module: '2', le: '0.0025' })).toBe(2);
    expect(sampleValue(parsed, 'pantheon_gate_request_duration_seconds_count', { module: '2' })).toBe(2);
    expect(parsed.types.get('pantheon_gate_request_duration_seconds')).toBe('histogram');

    // Worker 1 dies: its connections leave the gauges, its totals stay in the counters.
    metrics.retireWorker(1);
    snapshots.delete(1);
    parsed = await render(metrics);
    expect(sampleValue(parsed, 'pantheon_gate_handshakes_total', { result: 'ok' })).toBe(3);
    expect(sampleValue(parsed, 'pantheon_gate_backend_requests_total', { instance: 'roma-1' })).toBe(2);
    expect(sampleValue(parsed, 'pantheon_gate_connections_active', { transport: 'ws' })).toBe(1);
    expect(sampleValue(parsed, 'pantheon_gate_connections_peak', { transport: 'ws' })).toBe(2);
    expect(sampleValue(parsed, 'pantheon_gate_workers_lost_total')).toBe(1);
  });

  it('records config reloads and reads registry and router health when they offer it', async () => {
    const metrics = gateMetricsOver(new Map());
    metrics.reloaded(true);
    metrics.reloaded(false);
    const parsed = await render(metrics);
    expect(sampleValue(parsed, 'pantheon_gate_config_reloads_total', { result: 'ok' })).toBe(1);
    expect(sampleValue(parsed, 'pantheon_gate_config_reloads_total', { result: 'error' })).toBe(1);
    expect(sampleValue(parsed, 'pantheon_gate_config_last_reload_success')).toBe(0);
    expect(sampleValue(parsed, 'pantheon_gate_config_last_reload_timestamp_seconds')).toBeGreaterThan(0);
    // Neither has health()/stats() here: a static registry and memory router are always up.
    expect(sampleValue(parsed, 'pantheon_gate_registry_connected')).toBe(1);
    expect(sampleValue(parsed, 'pantheon_gate_router_up')).toBe(1);
    expect(sampleValue(parsed, 'pantheon_gate_registry_instances', { service: 'roma' })).toBe(1);
  });
});

describe('Readiness', () => {
  it('is ready with every worker up and the registry reached, and says why not otherwise', () => {
    let ready = 1;
    let connected = false;
    const readiness = new Readiness({ workers: () => ({ ready, total: 2 }), registryConnected: () => connected });
    expect(readiness.reply().status).toBe(503);
    expect(readiness.check().reasons).toEqual(['1 of 2 data-plane workers are up', 'the registry has not been reached yet']);
    ready = 2;
    connected = true;
    expect(readiness.reply().status).toBe(200);
    // Reached once is enough: a registry outage later does not take the gate out of rotation.
    connected = false;
    expect(readiness.check().ready).toBe(true);
    readiness.setDraining(true);
    expect(readiness.reply().status).toBe(503);
    expect(readiness.check().reasons).toEqual(['the gate is draining']);
  });
});
