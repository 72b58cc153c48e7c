// The scenarios of `npm run bench`. Each starts its own processes, drives the
// client pool, and returns one flat result: throughput, latency percentiles,
// server and client CPU seconds over the measured window, peak RSS per
// server process. Scenarios never compare with each other; run.mjs does.
import { createHash, diffieHellman, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { Heartbeat } from '../../dist/gen/pantheon/client/v1/packet.js';
import { clientCpuSeconds, shareOf } from './client-pool.mjs';
import { cpuSeconds, memory, raiseFdLimit, startCluster, startColyseus, startEchoServer } from './cluster.mjs';
import { ROOM_SIZE } from './relay-clients.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value, digits = 2) => +value.toFixed(digits);

/** Polls VmRSS of each process every 100 ms; peak() also folds in VmHWM, the kernel's own peak. */
function rssPoller(processes) {
  const peaks = new Map(processes.map((p) => [p.name, 0]));
  const sample = () => { for (const p of processes) peaks.set(p.name, Math.max(peaks.get(p.name), memory(p.pid).rss)); };
  const timer = setInterval(sample, 100);
  return {
    peak() {
      clearInterval(timer);
      sample();
      return Object.fromEntries(processes.map((p) => [p.name, Math.max(peaks.get(p.name), memory(p.pid).hwm)]));
    },
  };
}

/** Runs a pool command for warmup + duration and samples CPU of servers and client around the measured window only. */
async function measure(processes, pool, command, argsFor, { warmupMs, durationMs }) {
  const rss = rssPoller(processes);
  const done = pool.all(command, (i) => ({ warmupMs, durationMs, ...argsFor(i) }));
  await sleep(warmupMs);
  const serverBefore = processes.map((p) => cpuSeconds(p.pid));
  const clientBefore = clientCpuSeconds();
  await sleep(durationMs);
  const serverCpu = processes.map((p, i) => cpuSeconds(p.pid) - serverBefore[i]);
  const client = clientCpuSeconds() - clientBefore;
  const { count, latency_ms, errors, ...extra } = await done;
  const server = serverCpu.reduce((a, b) => a + b, 0);
  return {
    throughput_per_s: Math.round(count / (durationMs / 1000)),
    latency_ms,
    errors,
    server_cpu_s: round(server),
    server_cpu_by_process_s: Object.fromEntries(processes.map((p, i) => [p.name, round(serverCpu[i])])),
    client_cpu_s: round(client),
    client_cpu_share: round(client / Math.max(0.001, client + server), 3),
    peak_rss_bytes: rss.peak(),
    ...extra, // what a command counts beyond replies, e.g. the relay's sent and expected deliveries
  };
}

async function connectAll(pool, target, opts, mode, count, localAddresses = ['127.0.0.1']) {
  const result = await pool.all('connect', (i) => ({ mode, url: target.url, secrets: target.secrets, count: shareOf(count, pool.threads, i), localAddresses, concurrency: 32 }));
  if (result.connected < count) throw new Error(`connected ${result.connected} of ${count}: ${result.firstError}`);
  return result;
}

async function withProcesses(start, body) {
  const target = await start();
  try {
    return await body(target);
  } finally {
    await target.stop();
  }
}

const window = (opts) => ({ warmupMs: opts.warmupMs, durationMs: opts.durationMs });
const loadArgs = (opts) => ({ depth: opts.depth, payloadBytes: opts.payload });
const heartbeatData = () => [...Heartbeat.encode({ clientTimeMs: BigInt(Date.now()) }).finish()];

/** Closed loop against an open set of connections, then closes them. */
async function closedLoop(target, pool, opts, mode, request) {
  await connectAll(pool, target, opts, mode, opts.connections);
  try {
    return await measure(target.processes, pool, 'closed', () => ({ ...loadArgs(opts), ...request }), window(opts));
  } finally {
    await pool.all('close', () => ({}));
  }
}

export async function baseline(opts, pool) {
  return withProcesses(() => startEchoServer({ workers: opts.workers }), (server) => closedLoop(server, pool, opts, 'raw', {}));
}

export async function gateHeartbeat(opts, pool) {
  return withProcesses(() => startCluster({ gateWorkers: opts.workers, withRoma: false }),
    (cluster) => closedLoop(cluster, pool, opts, 'pantheon', { mod: 1, seq: 1, data: heartbeatData() }));
}

/** Closed loop to find the peak, then an open-loop pass at half of it on the same processes for p99 under moderate load. */
export async function gateRomaEcho(opts, pool) {
  return withProcesses(() => startCluster({ gateWorkers: opts.workers, withRoma: true }), async (cluster) => {
    await connectAll(pool, cluster, opts, 'pantheon', opts.connections);
    try {
      const request = { mod: 2, seq: 1, payloadBytes: opts.payload };
      const peak = await measure(cluster.processes, pool, 'closed', () => ({ ...loadArgs(opts), ...request }), window(opts));
      const halfRate = Math.max(1, Math.round(peak.throughput_per_s / 2));
      const half = await measure(cluster.processes, pool, 'open', (i) => ({ ...request, ratePerS: shareOf(halfRate, pool.threads, i) }), window(opts));
      return { ...peak, half_rate: { target_per_s: halfRate, ...half } };
    } finally {
      await pool.all('close', () => ({}));
    }
  });
}

/** X25519 keygen + shared secret + Ed25519 sign per second in this thread: the gate's handshake crypto with nothing else. */
export function cryptoCeiling(ms) {
  const { privateKey: signingKey } = generateKeyPairSync('ed25519');
  const peer = generateKeyPairSync('x25519').publicKey;
  const started = performance.now();
  let ops = 0;
  while (performance.now() - started < ms) {
    const pair = generateKeyPairSync('x25519');
    diffieHellman({ privateKey: pair.privateKey, publicKey: peer });
    sign(null, createHash('sha256').update(randomBytes(32)).digest(), signingKey);
    ops++;
  }
  return Math.round(ops / ((performance.now() - started) / 1000));
}

export async function handshake(opts, pool) {
  const ceiling = cryptoCeiling(Math.min(opts.durationMs, 2_000));
  return withProcesses(() => startCluster({ gateWorkers: opts.workers, withRoma: false }), async (cluster) => {
    const result = await measure(cluster.processes, pool, 'handshakes', () => ({ url: cluster.url, secrets: cluster.secrets, concurrency: opts.handshakeConcurrency }), window(opts));
    return { ...result, crypto_ceiling_per_s: ceiling };
  });
}

/** Loopback source addresses: each gives ~28k ephemeral ports towards one server port. */
export const sourceAddresses = (n) => Array.from({ length: Math.ceil(n / 20_000) }, (_, i) => `127.0.0.${i + 2}`);

export async function idle(opts, pool) {
  const n = opts.idleConnections;
  const fdLimit = n + 1_500; // one fd per connection on each side, plus what the processes hold besides
  const clientFdLimit = raiseFdLimit(process.pid, fdLimit);
  if (clientFdLimit < fdLimit) {
    throw new Error(`idle: ${n} connections need ${fdLimit} open files in the bench process, which may have ${clientFdLimit}; raising the hard limit needs root with CAP_SYS_RESOURCE (docs/performance.md, "System settings")`);
  }
  // The gate's silence timeout (3 × interval) is set to its maximum so that the first connections of a long
  // connect phase are not closed before the last are open; clients still heartbeat every --heartbeat-ms.
  return withProcesses(() => startCluster({ gateWorkers: opts.workers, withRoma: false, fdLimit, heartbeatMs: 600_000 }), async (cluster) => {
    const gate = cluster.processes.at(-1);
    await sleep(500);
    const before = memory(gate.pid).rss;
    const addresses = sourceAddresses(n);
    const connectStarted = performance.now();
    try {
      await connectAll(pool, cluster, opts, 'pantheon', n, addresses);
      const connectSeconds = (performance.now() - connectStarted) / 1000;
      await sleep(1_000); // let allocations from the connect burst settle before reading RSS
      const after = memory(gate.pid).rss;
      const ratePerS = Math.max(1, Math.round((n * 1000) / opts.heartbeatMs));
      const beats = await measure(cluster.processes, pool, 'open', (i) => ({ mod: 1, seq: 1, data: heartbeatData(), ratePerS: shareOf(ratePerS, pool.threads, i) }), window(opts));
      return {
        ...beats,
        connections: n,
        source_addresses: addresses.length,
        connect_seconds: round(connectSeconds),
        gate_rss_before_bytes: before,
        gate_rss_after_bytes: after,
        rss_per_connection_bytes: Math.round((after - before) / n),
        heartbeat_interval_ms: opts.heartbeatMs,
        fd_limits: { client: clientFdLimit, gate: raiseFdLimit(gate.pid, fdLimit) },
      };
    } finally {
      await pool.all('close', () => ({}));
    }
  });
}

/** gate-roma-echo closed loop with 1 and then 2 data-plane workers, each on fresh processes. */
export async function workers(opts, pool) {
  const runs = {};
  for (const count of [1, 2]) {
    runs[count] = await withProcesses(() => startCluster({ gateWorkers: count, withRoma: true }),
      (cluster) => closedLoop(cluster, pool, opts, 'pantheon', { mod: 2, seq: 1, payloadBytes: opts.payload }));
  }
  return {
    ...runs[2],
    one_worker: runs[1],
    two_workers: runs[2],
    ratio_2_to_1: round(runs[2].throughput_per_s / Math.max(1, runs[1].throughput_per_s), 3),
  };
}

/**
 * Rooms of 8 relaying position updates at --relay-hz, added in steps of ×1.5
 * from --relay-rooms up to --relay-max-rooms on the same processes. A step
 * meets the service level when its p99 delivery latency is within
 * --relay-slo-ms and at least 99% of the updates sent in the window reached
 * every other member; the ramp stops at the first step that does not. The
 * capacity is the delivered rate of the last step that met it, so Pantheon
 * and Colyseus are compared at the same p99 bound.
 */
async function relayRamp(target, pool, opts, kind) {
  const steps = [];
  let rooms = 0;
  const fdLimit = raiseFdLimit(process.pid, opts.relayMaxRooms * ROOM_SIZE + 10_000);
  for (const p of target.processes) raiseFdLimit(p.pid, opts.relayMaxRooms * ROOM_SIZE * 2 + 10_000);
  try {
    for (let want = Math.min(opts.relayRooms, opts.relayMaxRooms); ; want = Math.min(opts.relayMaxRooms, Math.ceil(want * 1.5))) {
      const add = want - rooms;
      const addresses = sourceAddresses(want * ROOM_SIZE);
      const added = await pool.all('addRooms', (i) => ({ kind, rooms: shareOf(add, pool.threads, i), url: target.url, secrets: target.secrets, httpBase: target.httpBase, localAddresses: addresses }));
      rooms += added.rooms;
      const { expected, sent, firstError, worstThreadSendLagP99Ms, ...step } = await measure(target.processes, pool, 'relay', () => ({ hz: opts.relayHz }), window(opts));
      const deliveryRatio = round(step.throughput_per_s * (opts.durationMs / 1000) / Math.max(1, expected), 4);
      const meets = step.latency_ms.p99 !== null && step.latency_ms.p99 <= opts.relaySloMs && deliveryRatio >= 0.99;
      steps.push({ rooms, players: added.players, sent_per_s: Math.round(sent / (opts.durationMs / 1000)), delivery_ratio: deliveryRatio, meets_slo: meets, send_lag_p99_ms: round(worstThreadSendLagP99Ms, 3), first_error: firstError ?? undefined, ...step });
      process.stderr.write(`bench:   ${kind} ${rooms} rooms: ${step.throughput_per_s}/s delivered (${(deliveryRatio * 100).toFixed(1)}%), p99 ${step.latency_ms.p99} ms${meets ? '' : ' (over the service level: stop)'}\n`);
      if (!meets || want >= opts.relayMaxRooms) break;
    }
  } finally {
    await pool.all('closeRooms', () => ({}));
  }
  const best = steps.filter((step) => step.meets_slo).at(-1);
  return {
    ...(best ?? steps.at(-1)),
    capacity_per_s: best?.throughput_per_s ?? 0,
    saturated: !steps.at(-1).meets_slo,
    slo: { p99_ms: opts.relaySloMs, min_delivery_ratio: 0.99 },
    relay_hz: opts.relayHz,
    room_size: ROOM_SIZE,
    client_fd_limit: fdLimit,
    steps,
  };
}

export async function roomRelay(opts, pool) {
  return withProcesses(() => startCluster({ gateWorkers: opts.workers, withRooms: true }), (cluster) => relayRamp(cluster, pool, opts, 'pantheon'));
}

export async function peerColyseus(opts, pool) {
  return withProcesses(() => startColyseus(), (server) => relayRamp(server, pool, opts, 'colyseus'));
}

export const scenarios = {
  baseline,
  'gate-heartbeat': gateHeartbeat,
  'gate-roma-echo': gateRomaEcho,
  handshake,
  idle,
  'room-relay': roomRelay,
  'peer-colyseus': peerColyseus,
  workers,
};
