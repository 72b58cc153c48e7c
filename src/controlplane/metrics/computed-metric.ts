// A Prometheus metric whose samples are computed when scraped, from data the
// control plane already holds (the workers' latest snapshots). prom-client's
// Counter/Gauge/Histogram record observations themselves and cannot carry a
// histogram summed from other threads, but its Registry renders any object
// with a name, help, type and get(); this is that object.
import type { Metric, Registry } from 'prom-client';

export type MetricType = 'counter' | 'gauge' | 'histogram';
export type Labels = Record<string, string | number>;

export interface Sample {
  labels: Labels;
  value: number;
  /** For histograms: name_bucket, name_sum or name_count. */
  metricName?: string;
}

export class ComputedMetric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    private readonly samples: () => Sample[],
  ) {}

  async get(): Promise<{ name: string; help: string; type: MetricType; aggregator: 'sum'; values: Sample[] }> {
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values: this.samples() };
  }

  /** The registry's resetMetrics() calls this; computed values have nothing to reset. */
  reset(): void {}
}

export function registerComputed(registry: Registry, name: string, help: string, type: MetricType, samples: () => Sample[]): void {
  // prom-client's types list only its own classes; its Registry needs just the members above.
  registry.registerMetric(new ComputedMetric(name, help, type, samples) as unknown as Metric);
}

/** Samples from a map of label value -> number, under one label name. */
export function byLabel(label: string, values: Map<string, number> | Iterable<[string, number]>): Sample[] {
  return [...values].map(([key, value]) => ({ labels: { [label]: key }, value }));
}

/** The _bucket, _sum and _count samples of one histogram series. */
export function histogramSamples(name: string, labels: Labels, cumulative: { le: string; count: number }[], sum: number, count: number): Sample[] {
  return [
    ...cumulative.map((bucket) => ({ metricName: `${name}_bucket`, labels: { ...labels, le: bucket.le }, value: bucket.count })),
    { metricName: `${name}_sum`, labels, value: sum },
    { metricName: `${name}_count`, labels, value: count },
  ];
}
