// A fixed-bucket latency histogram made of plain numbers, for worker threads:
// observing is a short scan and three increments, with no allocation. Every
// worker uses the same bounds, so the control plane can add workers'
// histograms bucket by bucket when GET /metrics is scraped.
import type { LatencyHistogram as LatencyHistogramSnapshot } from '../../gen/pantheon/gate/v1/metrics.js';
import { LATENCY_BUCKETS_SECONDS } from '../../common/latency-buckets.js';

export class LatencyHistogram {
  /** Per-bucket counts (not cumulative); the last index, past every bound, is +Inf. */
  private readonly counts = new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0);
  private sum = 0;
  private count = 0;

  observe(seconds: number): void {
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS_SECONDS.length && seconds > LATENCY_BUCKETS_SECONDS[bucket]) bucket++;
    this.counts[bucket]++;
    this.sum += seconds;
    this.count++;
  }

  snapshot(): LatencyHistogramSnapshot {
    return { bucketCounts: this.counts.map((count) => BigInt(count)), sumSeconds: this.sum, count: BigInt(this.count) };
  }
}
