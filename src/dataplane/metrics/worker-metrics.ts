// One worker's metrics for GET /metrics: plain numbers bumped on the hot
// path, turned into a WorkerMetricsSnapshot once a second for the control
// plane, which sums the workers when scraped. No prom-client objects here and
// no label strings built per packet: modules are keyed by number, kinds are
// literal strings, instance ids are the strings the routes already hold.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { HandshakeErrorCode } from '../../gen/pantheon/client/v1/handshake.js';
import type { BackendCalls, LabeledCount, ModuleMetrics, TransportConnections, WorkerMetricsSnapshot } from '../../gen/pantheon/gate/v1/metrics.js';
import type { SenderStats } from '../../ring/ring-channel.js';
import { LatencyHistogram } from './latency-histogram.js';

/** Why the gate answered with an error or dropped a connection. */
export const ERROR_KINDS = [
  'protocol_error', // broke PANTHEON/1 (e.g. a second message during the handshake)
  'decrypt', // a frame failed authentication or decoding
  'inflate', // compressed data was corrupt or inflated past max_inflated_bytes
  'unknown_module', // Packet.mod <= 0
  'backend_timeout', // Roma did not answer within backend_timeout_ms
  'service_unavailable', // no route, instance cooling down or ejected, tunnel broken
  'heartbeat_timeout',
  'handshake_internal', // the handshake failed on the gate's side
  'slow_consumer', // dropped a client that did not read what it was sent
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** Which limit refused something; named after the gate.limits / gate settings key. */
export const RATE_LIMIT_KINDS = [
  'max_connections',
  'max_connections_per_ip',
  'handshakes_per_ip',
  'session_traffic', // over packets_per_session or bytes_per_session
  'abuse_close', // a session closed for sustained traffic over its limits (abuse_close_after)
  'backend_inflight_high_water', // refused while the transport sheds load
  'max_pending_per_session',
] as const;
export type RateLimitKind = (typeof RATE_LIMIT_KINDS)[number];

/** Distinct module ids tracked per worker; the rest fold into one "other" row. */
export const MAX_TRACKED_MODULES = 64;
const EVENT_LOOP_RESOLUTION_MS = 10;
const NS_PER_S = 1e9;
const HANDSHAKE_CODE_SLOTS = Math.max(...Object.values(HandshakeErrorCode).filter((v): v is number => typeof v === 'number')) + 1;

class ModuleTraffic {
  packetsIn = 0;
  packetsOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  readonly latency = new LatencyHistogram();

  constructor(readonly mod: number, readonly other: boolean) {}

  snapshot(): ModuleMetrics {
    return {
      mod: this.mod,
      other: this.other,
      packetsIn: BigInt(this.packetsIn),
      packetsOut: BigInt(this.packetsOut),
      bytesIn: BigInt(this.bytesIn),
      bytesOut: BigInt(this.bytesOut),
      latency: this.latency.snapshot(),
    };
  }
}

interface ConnectionCount {
  open: number;
  total: number;
  peak: number;
}

function zeroCounts<K extends string>(kinds: readonly K[]): Record<K, number> {
  return Object.fromEntries(kinds.map((kind) => [kind, 0])) as Record<K, number>;
}

function labeled(counts: Record<string, number>): LabeledCount[] {
  return Object.entries(counts).map(([label, count]) => ({ label, count: BigInt(count) }));
}

export class WorkerMetrics {
  private readonly connections = new Map<string, ConnectionCount>();
  private readonly handshakeFailures = new Array<number>(HANDSHAKE_CODE_SLOTS).fill(0);
  private readonly modules = new Map<number, ModuleTraffic>();
  private readonly otherModules = new ModuleTraffic(0, true);
  private readonly errors = zeroCounts(ERROR_KINDS);
  private readonly limited = zeroCounts(RATE_LIMIT_KINDS);
  private readonly backends = new Map<string, { calls: number; failures: number }>();
  private eventLoop: IntervalHistogram | null = null;
  private ringStats: (() => SenderStats) | null = null;

  /** Starts the event-loop delay monitor and names the ring whose depth each snapshot reports. */
  start(ringStats: () => SenderStats): void {
    this.ringStats = ringStats;
    this.eventLoop ??= monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
    this.eventLoop.enable();
  }

  stop(): void {
    this.eventLoop?.disable();
  }

  connectionOpened(transport: string): void {
    let count = this.connections.get(transport);
    if (!count) this.connections.set(transport, (count = { open: 0, total: 0, peak: 0 }));
    count.open++;
    count.total++;
    if (count.open > count.peak) count.peak = count.open;
  }

  connectionClosed(transport: string): void {
    const count = this.connections.get(transport);
    if (count && count.open > 0) count.open--;
  }

  handshakeFailed(code: HandshakeErrorCode): void {
    this.handshakeFailures[code >= 0 && code < HANDSHAKE_CODE_SLOTS ? code : HandshakeErrorCode.HANDSHAKE_ERROR_UNSPECIFIED]++;
  }

  /** One decrypted client packet; `bytes` is its size on the wire. */
  packetIn(mod: number, bytes: number): void {
    const traffic = this.moduleTraffic(mod);
    traffic.packetsIn++;
    traffic.bytesIn += bytes;
  }

  packetOut(mod: number, bytes: number): void {
    const traffic = this.moduleTraffic(mod);
    traffic.packetsOut++;
    traffic.bytesOut += bytes;
  }

  /** A request of `mod` came back from Roma `seconds` after it was forwarded. */
  requestAnswered(mod: number, seconds: number): void {
    this.moduleTraffic(mod).latency.observe(seconds);
  }

  error(kind: ErrorKind): void {
    this.errors[kind]++;
  }

  rateLimited(kind: RateLimitKind): void {
    this.limited[kind]++;
  }

  backendCall(instanceId: string): void {
    this.backendCounts(instanceId).calls++;
  }

  backendFailure(instanceId: string): void {
    this.backendCounts(instanceId).failures++;
  }

  snapshot(): WorkerMetricsSnapshot {
    const modules = [...this.modules.values()].map((traffic) => traffic.snapshot());
    if (this.otherModules.packetsIn > 0 || this.otherModules.packetsOut > 0) modules.push(this.otherModules.snapshot());
    const backends: BackendCalls[] = [...this.backends].map(([instanceId, c]) => ({ instanceId, calls: BigInt(c.calls), failures: BigInt(c.failures) }));
    const transports: TransportConnections[] = [...this.connections].map(([transport, c]) => ({ transport, open: c.open, total: BigInt(c.total), peak: c.peak }));
    const ring = this.ringStats?.();
    return {
      transports,
      handshakeFailuresByCode: this.handshakeFailures.map((count) => BigInt(count)),
      modules,
      errors: labeled(this.errors),
      rateLimited: labeled(this.limited),
      backends,
      toControlRing: ring ? { usedBytes: ring.ringUsed, capacityBytes: ring.ringCapacity, deferred: BigInt(ring.deferred), backlog: ring.backlog } : undefined,
      eventLoop: this.eventLoopLag(),
    };
  }

  private moduleTraffic(mod: number): ModuleTraffic {
    const traffic = this.modules.get(mod);
    if (traffic) return traffic;
    // A client chooses Packet.mod: past the cap, new ids share one row instead of growing the map.
    if (this.modules.size >= MAX_TRACKED_MODULES || mod <= 0) return this.otherModules;
    const created = new ModuleTraffic(mod, false);
    this.modules.set(mod, created);
    return created;
  }

  private backendCounts(instanceId: string): { calls: number; failures: number } {
    let counts = this.backends.get(instanceId);
    if (!counts) this.backends.set(instanceId, (counts = { calls: 0, failures: 0 }));
    return counts;
  }

  /** Delay since the previous snapshot; the window restarts so each one reports the last second. */
  private eventLoopLag(): WorkerMetricsSnapshot['eventLoop'] {
    const loop = this.eventLoop;
    if (!loop || loop.count === 0) return undefined;
    // The monitor records the time between its timer's ticks; lag is what exceeds the timer's own period.
    const lagSeconds = (ns: number) => Math.max(0, ns / NS_PER_S - EVENT_LOOP_RESOLUTION_MS / 1000);
    const lag = { p50Seconds: lagSeconds(loop.percentile(50)), p99Seconds: lagSeconds(loop.percentile(99)), maxSeconds: lagSeconds(loop.max) };
    loop.reset();
    return lag;
  }
}
