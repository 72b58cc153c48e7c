// GET /metrics for Roma: sessions and tunnel streams held, requests by module
// and result, handler durations, and the default process metrics. The
// dispatcher reports each answered request through RequestObserver; label
// children are looked up once per module, not per request.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { HttpReply } from '../../common/health-http.js';
import { LATENCY_BUCKETS_SECONDS } from '../../common/latency-buckets.js';
import { createMetricsRegistry, metricsReply } from '../../common/metrics.js';
import { PacketCode } from '../../gen/pantheon/client/v1/packet.js';
import type { RomaModule } from './module-api.js';

export interface RequestObserver {
  /** `module` is undefined when no module has the request's id; `handlerSeconds` is null when no handler ran. */
  answered(module: RomaModule | undefined, code: PacketCode, handlerSeconds: number | null): void;
}

export interface RomaMetricsProbes {
  sessions(): number;
  streams(): number;
}

interface ModuleSeries {
  duration: Histogram.Internal<'module'>;
  results: Map<PacketCode, Counter.Internal>;
}

const UNKNOWN_MODULE = 'unknown';

/** "unknown_seq" for PACKET_CODE_UNKNOWN_SEQ. */
export function packetResultLabel(code: PacketCode): string {
  const name = PacketCode[code] as string | undefined;
  return name && code !== PacketCode.UNRECOGNIZED ? name.replace(/^PACKET_CODE_/, '').toLowerCase() : `code_${code}`;
}

export class RomaMetrics implements RequestObserver {
  readonly registry: Registry;
  private readonly requests: Counter<'module' | 'result'>;
  private readonly duration: Histogram<'module'>;
  private readonly series = new Map<string, ModuleSeries>();

  constructor(probes: RomaMetricsProbes) {
    this.registry = createMetricsRegistry();
    const registers = [this.registry];
    new Gauge({
      name: 'pantheon_roma_sessions',
      help: 'Sessions this instance holds.',
      registers,
      collect() {
        this.set(probes.sessions());
      },
    });
    new Gauge({
      name: 'pantheon_roma_tunnel_streams',
      help: 'Open tunnel streams (one per gate worker and Roma instance).',
      registers,
      collect() {
        this.set(probes.streams());
      },
    });
    this.requests = new Counter({ name: 'pantheon_roma_requests_total', help: 'Requests answered, by module name and result (the PacketCode, lower case).', labelNames: ['module', 'result'], registers });
    this.duration = new Histogram({ name: 'pantheon_roma_handler_duration_seconds', help: 'Time a module handler took, by module name.', labelNames: ['module'], buckets: [...LATENCY_BUCKETS_SECONDS], registers });
  }

  answered(module: RomaModule | undefined, code: PacketCode, handlerSeconds: number | null): void {
    const name = module?.name ?? UNKNOWN_MODULE;
    const series = this.seriesFor(name);
    let result = series.results.get(code);
    if (!result) series.results.set(code, (result = this.requests.labels(name, packetResultLabel(code))));
    result.inc();
    if (handlerSeconds !== null) series.duration.observe(handlerSeconds);
  }

  reply(): Promise<HttpReply> {
    return metricsReply(this.registry);
  }

  private seriesFor(moduleName: string): ModuleSeries {
    let series = this.series.get(moduleName);
    if (!series) this.series.set(moduleName, (series = { duration: this.duration.labels(moduleName), results: new Map() }));
    return series;
  }
}
