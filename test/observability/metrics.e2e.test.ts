// GET /metrics and GET /ready on real processes: the gate sums its workers'
// numbers, Roma and Lares expose their own, and values move with traffic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../src/protocol/bytes.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { newPlayer, rawHandshakeReply } from '../harness/player.js';
import { hasSample, sampleValue, scrape, scrapeUntil, type PromText } from './prometheus-text.js';

const GATE_METRICS: Record<string, string> = {
  pantheon_gate_connections_active: 'gauge',
  pantheon_gate_connections_total: 'counter',
  pantheon_gate_connections_peak: 'gauge',
  pantheon_gate_sessions_active: 'gauge',
  pantheon_gate_handshakes_total: 'counter',
  pantheon_gate_packets_total: 'counter',
  pantheon_gate_bytes_total: 'counter',
  pantheon_gate_request_duration_seconds: 'histogram',
  pantheon_gate_errors_total: 'counter',
  pantheon_gate_rate_limited_total: 'counter',
  pantheon_gate_backend_requests_total: 'counter',
  pantheon_gate_backend_failures_total: 'counter',
  pantheon_gate_ring_used_bytes: 'gauge',
  pantheon_gate_ring_capacity_bytes: 'gauge',
  pantheon_gate_ring_backlog_messages: 'gauge',
  pantheon_gate_ring_deferred_total: 'counter',
  pantheon_gate_worker_eventloop_lag_p99_seconds: 'gauge',
  pantheon_gate_workers_ready: 'gauge',
  pantheon_gate_workers_lost_total: 'counter',
  pantheon_gate_config_reloads_total: 'counter',
  pantheon_gate_config_last_reload_success: 'gauge',
  pantheon_gate_registry_connected: 'gauge',
  pantheon_gate_registry_instances: 'gauge',
  pantheon_gate_router_up: 'gauge',
  pantheon_gate_router_fallbacks_total: 'counter',
  pantheon_gate_ready: 'gauge',
  pantheon_gate_draining: 'gauge',
  process_cpu_seconds_total: 'counter',
  nodejs_eventloop_lag_p99_seconds: 'gauge',
};

const ECHO = 2;
const ECHO_SEQ = 1;
const REQUESTS = 5;

describe('observability endpoints', () => {
  let cluster: TestCluster;
  let gateMetricsUrl: string;

  beforeAll(async () => {
    cluster = await createTestCluster({ services: ['roma', 'lares', 'gate'] });
    gateMetricsUrl = `http://127.0.0.1:${cluster.ports.gateAdmin}/metrics`;
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('reports the gate ready once every worker is up', async () => {
    const response = await fetch(`http://127.0.0.1:${cluster.ports.gateAdmin}/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ready: true, reasons: [], workers: { ready: 2, total: 2 }, draining: false, registry_reached: true });
  });

  it('exposes every gate metric with its Prometheus type', async () => {
    // The first worker snapshots arrive within a second of start, from each worker on its own schedule.
    const parsed = await scrapeUntil(gateMetricsUrl, (p) =>
      ['0', '1'].every((worker) => sampleValue(p, 'pantheon_gate_ring_capacity_bytes', { ring: 'to_control', worker }) > 0),
    );
    for (const [name, type] of Object.entries(GATE_METRICS)) expect(parsed.types.get(name), name).toBe(type);
    expect(sampleValue(parsed, 'pantheon_gate_workers_ready')).toBe(2);
    expect(sampleValue(parsed, 'pantheon_gate_ready')).toBe(1);
    expect(sampleValue(parsed, 'pantheon_gate_registry_instances', { service: 'roma' })).toBe(1);
    for (const worker of ['0', '1']) {
      for (const ring of ['to_worker', 'to_control']) expect(sampleValue(parsed, 'pantheon_gate_ring_capacity_bytes', { ring, worker }), `${ring} ${worker}`).toBeGreaterThan(0);
    }
    expect(hasSample(parsed, 'pantheon_gate_handshakes_total', { result: 'token_replayed' })).toBe(true);
  });

  it('counts handshakes, packets, bytes, backend calls and request latency as traffic flows', async () => {
    const before = await scrape(gateMetricsUrl);
    const player = await newPlayer(cluster);
    const client = await player.connect('ws');
    for (let i = 0; i < REQUESTS; i++) {
      const reply = await client.request(ECHO, ECHO_SEQ, utf8(`ping ${i}`));
      expect(reply.code).toBe(0);
    }
    await client.heartbeat();
    const delta = (after: PromText, name: string, labels: Record<string, string> = {}) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    const after = await scrapeUntil(gateMetricsUrl, (p) => delta(p, 'pantheon_gate_request_duration_seconds_count', { module: '2' }) >= REQUESTS && delta(p, 'pantheon_gate_packets_total', { module: '1', direction: 'out' }) >= 1);

    expect(delta(after, 'pantheon_gate_handshakes_total', { result: 'ok' })).toBe(1);
    expect(delta(after, 'pantheon_gate_connections_total', { transport: 'ws' })).toBe(1);
    expect(sampleValue(after, 'pantheon_gate_connections_active', { transport: 'ws' })).toBe(1);
    expect(sampleValue(after, 'pantheon_gate_connections_peak', { transport: 'ws' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(after, 'pantheon_gate_sessions_active')).toBe(1);
    expect(delta(after, 'pantheon_gate_packets_total', { module: '2', direction: 'in' })).toBe(REQUESTS);
    expect(delta(after, 'pantheon_gate_packets_total', { module: '2', direction: 'out' })).toBe(REQUESTS);
    expect(delta(after, 'pantheon_gate_packets_total', { module: '1', direction: 'in' })).toBeGreaterThanOrEqual(1);
    expect(delta(after, 'pantheon_gate_bytes_total', { module: '2', direction: 'in' })).toBeGreaterThan(REQUESTS * 'ping 0'.length);
    expect(delta(after, 'pantheon_gate_backend_requests_total', { instance: 'roma-1' })).toBe(REQUESTS);
    expect(delta(after, 'pantheon_gate_backend_failures_total', { instance: 'roma-1' })).toBe(0);
    // The histogram's count is the number of answered requests, and its +Inf bucket equals the count.
    expect(delta(after, 'pantheon_gate_request_duration_seconds_count', { module: '2' })).toBe(REQUESTS);
    expect(delta(after, 'pantheon_gate_request_duration_seconds_bucket', { module: '2', le: '+Inf' })).toBe(REQUESTS);
    expect(sampleValue(after, 'pantheon_gate_request_duration_seconds_sum', { module: '2' })).toBeGreaterThan(0);
    client.close();
  });

  it('counts a refused handshake under its error code', async () => {
    const before = await scrape(gateMetricsUrl);
    const { reply } = await rawHandshakeReply(cluster.wsUrl, new Uint8Array([0xff, 0xff, 0xff]));
    expect(reply?.result?.$case).toBe('error');
    const after = await scrapeUntil(gateMetricsUrl, (p) => sampleValue(p, 'pantheon_gate_handshakes_total', { result: 'malformed_hello' }) > sampleValue(before, 'pantheon_gate_handshakes_total', { result: 'malformed_hello' }));
    expect(sampleValue(after, 'pantheon_gate_handshakes_total', { result: 'malformed_hello' }) - sampleValue(before, 'pantheon_gate_handshakes_total', { result: 'malformed_hello' })).toBe(1);
  });

  it('exposes Roma sessions, streams, requests by result and handler durations', async () => {
    const url = `http://127.0.0.1:${cluster.ports.romaHttp}/metrics`;
    const before = await scrape(url);
    const player = await newPlayer(cluster);
    const client = await player.connect('tcp');
    await client.request(ECHO, ECHO_SEQ, utf8('to roma'));
    await expect(client.request(ECHO, 99, utf8('no such seq'))).rejects.toMatchObject({ code: 2 });
    const after = await scrape(url);
    const delta = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    for (const [name, type] of Object.entries({ pantheon_roma_sessions: 'gauge', pantheon_roma_tunnel_streams: 'gauge', pantheon_roma_requests_total: 'counter', pantheon_roma_handler_duration_seconds: 'histogram', process_cpu_seconds_total: 'counter' })) {
      expect(after.types.get(name), name).toBe(type);
    }
    expect(delta('pantheon_roma_requests_total', { module: 'echo', result: 'ok' })).toBe(1);
    expect(delta('pantheon_roma_requests_total', { module: 'echo', result: 'unknown_seq' })).toBe(1);
    expect(delta('pantheon_roma_handler_duration_seconds_count', { module: 'echo' })).toBe(1);
    expect(sampleValue(after, 'pantheon_roma_sessions')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(after, 'pantheon_roma_tunnel_streams')).toBeGreaterThanOrEqual(1);
    client.close();
  });

  it('exposes Lares requests by route and status, registrations, logins and tokens', async () => {
    const url = `${cluster.laresUrl}/metrics`;
    const before = await scrape(url);
    const player = await newPlayer(cluster);
    await player.grant();
    const refused = await fetch(`${cluster.laresUrl}/v1/accounts/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'nobody_here', password: 'wrong password!' }) });
    expect(refused.status).toBe(401);
    const after = await scrape(url);
    const delta = (name: string, labels: Record<string, string> = {}) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(delta('pantheon_lares_registrations_total', { result: 'ok' })).toBe(1);
    expect(delta('pantheon_lares_tokens_issued_total')).toBe(1);
    expect(delta('pantheon_lares_logins_total', { method: 'password', result: 'unauthorized' })).toBe(1);
    expect(delta('pantheon_lares_http_requests_total', { route: '/v1/accounts/register', method: 'POST', status: '201' })).toBe(1);
    expect(delta('pantheon_lares_http_requests_total', { route: '/v1/accounts/login', method: 'POST', status: '401' })).toBe(1);
    expect(after.types.get('pantheon_lares_http_request_duration_seconds')).toBe('histogram');
    expect(after.types.get('process_resident_memory_bytes')).toBe('gauge');
  });
});
