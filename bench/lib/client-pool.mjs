// The load generator: a pool of worker threads (load-worker.mjs) driven as
// one. A command goes to every thread with its share of the work; results
// come back summed, with the threads' HDR histograms merged into one.
import { Worker } from 'node:worker_threads';
import * as hdr from 'hdr-histogram-js';

export const histogramOptions = { lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false };

/** Splits `total` into `parts` integers that differ by at most one. */
export const shareOf = (total, parts, index) => Math.floor(total / parts) + (index < total % parts ? 1 : 0);

export function startClientPool(threads) {
  const workers = Array.from({ length: threads }, (_, threadIndex) => new Worker(new URL('./load-worker.mjs', import.meta.url), { workerData: { threadIndex, threads } }));
  let nextId = 0;
  const pending = new Map();
  for (const worker of workers) {
    worker.on('message', ({ id, result, error }) => {
      const { resolve, reject } = pending.get(id);
      pending.delete(id);
      if (error) reject(new Error(`load worker: ${error}`));
      else resolve(result);
    });
    worker.on('error', (error) => { for (const { reject } of pending.values()) reject(error); });
  }
  const call = (worker, command, args) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, command, args });
  });
  return {
    threads,
    /** Sends `command` to every thread; `argsFor(i)` gives thread i its share. */
    async all(command, argsFor) {
      const results = await Promise.all(workers.map((w, i) => call(w, command, argsFor(i))));
      return mergeResults(results);
    },
    async stop() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

function mergeResults(results) {
  const merged = {};
  let histogram = null;
  for (const result of results) {
    for (const [key, value] of Object.entries(result)) {
      if (key === 'hist') {
        const part = hdr.decodeFromCompressedBase64(value, 32, false);
        histogram ??= hdr.build(histogramOptions);
        histogram.add(part);
        part.destroy();
      } else if (key.startsWith('worstThread')) merged[key] = Math.max(merged[key] ?? value, value);
      else if (typeof value === 'number') merged[key] = (merged[key] ?? 0) + value;
      else merged[key] ??= value;
    }
  }
  if (histogram) {
    merged.latency_ms = latencySummary(histogram);
    histogram.destroy();
  }
  return merged;
}

/** p50/p90/p99/p99.9 and max in milliseconds from a histogram of microseconds. */
function latencySummary(histogram) {
  const ms = (us) => +(us / 1000).toFixed(3);
  if (histogram.totalCount === 0) return { p50: null, p90: null, p99: null, p999: null, max: null };
  return {
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
  };
}

/** CPU seconds of this whole process: the sum over the pool's threads (the main thread only waits). */
export function clientCpuSeconds() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}
