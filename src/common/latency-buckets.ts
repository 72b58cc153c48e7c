// Upper bounds (seconds) of every request-latency histogram: the gate
// workers' forward-to-response times and Roma's handler durations. One set,
// so dashboards compare like with like. Kept free of imports: worker
// threads load it without pulling in prom-client.
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
