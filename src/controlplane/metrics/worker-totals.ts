// Sums the workers' latest WorkerCounters into gate-wide counter totals for
// GET /metrics. Totals of workers that died are kept in a "retired" sum and
// added back, so a gate counter never goes down when a worker is replaced
// (Prometheus would read that as a reset). Gauges are not summed here: they
// describe live workers only and are read straight from the snapshots.
import { HandshakeErrorCode } from '../../gen/pantheon/client/v1/handshake.js';
import type { WorkerCounters } from '../../gen/pantheon/gate/v1/ring.js';
import { LATENCY_BUCKETS_SECONDS } from '../../common/latency-buckets.js';

export interface ModuleTotals {
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Per-bucket (not cumulative) counts over LATENCY_BUCKETS_SECONDS, then +Inf. */
  latencyBuckets: number[];
  latencySum: number;
  latencyCount: number;
}

export interface GateTotals {
  /** Connections accepted, by transport. */
  connections: Map<string, number>;
  handshakesOk: number;
  /** By handshake result label (see handshakeResultLabel). */
  handshakeFailures: Map<string, number>;
  /** By module label: the module id, or "other". */
  modules: Map<string, ModuleTotals>;
  errors: Map<string, number>;
  rateLimited: Map<string, number>;
  backendCalls: Map<string, number>;
  backendFailures: Map<string, number>;
}

export function emptyTotals(): GateTotals {
  return {
    connections: new Map(),
    handshakesOk: 0,
    handshakeFailures: new Map(),
    modules: new Map(),
    errors: new Map(),
    rateLimited: new Map(),
    backendCalls: new Map(),
    backendFailures: new Map(),
  };
}

/** "token_invalid" for HANDSHAKE_ERROR_TOKEN_INVALID; code 0 marks a failure on the gate's side. */
export function handshakeResultLabel(code: number): string {
  if (code === HandshakeErrorCode.HANDSHAKE_ERROR_UNSPECIFIED) return 'internal';
  const name = HandshakeErrorCode[code] as string | undefined;
  return name ? name.replace(/^HANDSHAKE_ERROR_/, '').toLowerCase() : `code_${code}`;
}

/** Every handshake result label, so each series exists (at 0) before it first happens. */
export function handshakeResultLabels(): string[] {
  const codes = Object.values(HandshakeErrorCode).filter((v): v is number => typeof v === 'number' && v >= 0);
  return ['ok', ...codes.map(handshakeResultLabel)];
}

/** Adds one worker's totals into `totals` (mutates it). */
export function addWorkerTotals(totals: GateTotals, counters: WorkerCounters): void {
  totals.handshakesOk += Number(counters.handshakesOk);
  const metrics = counters.metrics;
  if (!metrics) return;
  for (const t of metrics.transports) add(totals.connections, t.transport, Number(t.total));
  metrics.handshakeFailuresByCode.forEach((count, code) => add(totals.handshakeFailures, handshakeResultLabel(code), Number(count)));
  for (const m of metrics.modules) {
    const label = m.other ? 'other' : String(m.mod);
    const sum = totals.modules.get(label) ?? emptyModule();
    totals.modules.set(label, sum);
    sum.packetsIn += Number(m.packetsIn);
    sum.packetsOut += Number(m.packetsOut);
    sum.bytesIn += Number(m.bytesIn);
    sum.bytesOut += Number(m.bytesOut);
    if (m.latency) {
      m.latency.bucketCounts.forEach((count, bucket) => (sum.latencyBuckets[bucket] += Number(count)));
      sum.latencySum += m.latency.sumSeconds;
      sum.latencyCount += Number(m.latency.count);
    }
  }
  for (const e of metrics.errors) add(totals.errors, e.label, Number(e.count));
  for (const r of metrics.rateLimited) add(totals.rateLimited, r.label, Number(r.count));
  for (const b of metrics.backends) {
    add(totals.backendCalls, b.instanceId, Number(b.calls));
    add(totals.backendFailures, b.instanceId, Number(b.failures));
  }
}

/** `retired` plus every live worker, as a new GateTotals (retired is not changed). */
export function gateTotals(retired: GateTotals, live: Iterable<WorkerCounters>): GateTotals {
  const totals = structuredClone(retired);
  for (const counters of live) addWorkerTotals(totals, counters);
  return totals;
}

/** Per-bucket counts -> the cumulative counts Prometheus `le` buckets need, ending with +Inf. */
export function cumulativeBuckets(perBucket: number[]): { le: string; count: number }[] {
  let running = 0;
  return perBucket.map((count, bucket) => {
    running += count;
    return { le: bucket < LATENCY_BUCKETS_SECONDS.length ? String(LATENCY_BUCKETS_SECONDS[bucket]) : '+Inf', count: running };
  });
}

function emptyModule(): ModuleTotals {
  return { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0, latencyBuckets: new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0), latencySum: 0, latencyCount: 0 };
}

function add(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}
