#!/usr/bin/env node
// `npm run bench`: runs the scenarios of bench/lib/scenarios.mjs in sequence,
// each on freshly started processes on free loopback ports, and writes
// bench/results/<timestamp>.{json,md,svg}. Targets are ratios measured in the
// same run (docs/performance.md). Usage (after npm run build):
//   node bench/run.mjs [--quick] [--duration 5] [--connections 64] [--depth 8] [--payload 64]
//     [--workers 2] [--client-threads 2] [--idle-connections 2000] [--heartbeat-ms 5000]
//     [--handshake-concurrency 16] [--relay-rooms 16] [--relay-max-rooms 1024] [--relay-hz 15]
//     [--relay-slo-ms 50] [--scenarios baseline,gate-heartbeat,...] [--out bench/results]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startClientPool } from './lib/client-pool.mjs';
import { renderMarkdown, renderSvg } from './lib/report.mjs';
import { scenarios } from './lib/scenarios.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

function parseOptions(argv) {
  const flag = (name) => argv.includes(`--${name}`);
  const value = (name) => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const quick = flag('quick');
  const number = (name, normal, small) => {
    const given = value(name);
    const parsed = given === undefined ? (quick ? small : normal) : Number(given);
    if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive number, got ${given}`);
    return parsed;
  };
  const cpus = availableParallelism();
  const names = (value('scenarios') ?? Object.keys(scenarios).join(',')).split(',').filter(Boolean);
  const unknown = names.filter((n) => !scenarios[n]);
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(scenarios).join(', ')}`);
  return {
    quick,
    names,
    out: value('out') ?? join(root, 'bench/results'),
    durationMs: number('duration', 5, 1) * 1000,
    warmupMs: number('warmup', 1, 0.3) * 1000,
    connections: number('connections', 64, 8),
    depth: number('depth', 8, 4),
    payload: number('payload', 64, 64),
    workers: number('workers', cpus, 2),
    clientThreads: number('client-threads', cpus, 2),
    idleConnections: number('idle-connections', 2000, 100),
    heartbeatMs: number('heartbeat-ms', 5000, 500),
    handshakeConcurrency: number('handshake-concurrency', 16, 4),
    relayRooms: number('relay-rooms', 16, 2),
    relayMaxRooms: number('relay-max-rooms', 1024, 2),
    // gamedata/room_modes.json lets a free_for_all player relay 20 times a second; above that Roma answers RATE_LIMITED.
    relayHz: number('relay-hz', 15, 15),
    // Quick mode checks that the scripts run, not how fast: a loaded CI machine must not fail its only step.
    relaySloMs: number('relay-slo-ms', 50, 1000),
  };
}

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: availableParallelism(),
    cpu_model: cpuinfo.match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown',
    memory_gib: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    loadavg_at_start: loadavg().map((l) => +l.toFixed(2)),
  };
}

const ratio = (a, b) => (a === undefined || b === undefined || !b ? undefined : +(a / b).toFixed(3));

/** The targets of the "Benchmarks and Mercury" issue, each a ratio or figure from this run; undefined when a scenario was not run. */
function evaluateTargets(r) {
  const targets = [
    { name: 'gate-heartbeat / baseline throughput', value: ratio(r['gate-heartbeat']?.throughput_per_s, r.baseline?.throughput_per_s), op: '>=', goal: 0.5 },
    { name: 'gate-roma-echo / baseline throughput', value: ratio(r['gate-roma-echo']?.throughput_per_s, r.baseline?.throughput_per_s), op: '>=', goal: 0.3 },
    { name: 'handshakes / crypto ceiling (1 thread)', value: ratio(r.handshake?.throughput_per_s, r.handshake?.crypto_ceiling_per_s), op: '>=', goal: 0.5 },
    { name: `gate RSS per idle connection, bytes (N=${r.idle?.connections ?? '-'})`, value: r.idle?.rss_per_connection_bytes, op: '<=', goal: 8192 },
    { name: 'gate-roma-echo p99 at 50% of peak rate, ms', value: r['gate-roma-echo']?.half_rate?.latency_ms?.p99 ?? undefined, op: '<=', goal: 5 },
    {
      name: `room-relay / Colyseus delivered msgs/s, both at p99 <= ${r['room-relay']?.slo.p99_ms ?? '-'} ms`,
      value: ratio(r['room-relay']?.capacity_per_s, r['peer-colyseus']?.capacity_per_s),
      op: '>=', goal: 2,
      ran: Boolean(r['room-relay'] && r['peer-colyseus']),
    },
    { name: 'workers 2 / 1 throughput', value: r.workers?.ratio_2_to_1, op: '>=', goal: 1.3 },
  ];
  for (const t of targets) {
    const ran = t.ran ?? t.value !== undefined;
    t.verdict = !ran ? 'NOT RUN' : t.value === undefined ? 'NO STEP MET THE SERVICE LEVEL' : (t.op === '>=' ? t.value >= t.goal : t.value <= t.goal) ? 'PASS' : 'MISS';
    delete t.ran;
  }
  return targets;
}

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  const started = new Date();
  const report = { started_at: started.toISOString(), machine: machine(), settings: { ...opts, out: undefined }, results: {} };
  const pool = startClientPool(opts.clientThreads);
  try {
    for (const name of opts.names) {
      process.stderr.write(`bench: ${name}...\n`);
      const t = performance.now();
      report.results[name] = await scenarios[name](opts, pool);
      process.stderr.write(`bench: ${name} done in ${((performance.now() - t) / 1000).toFixed(1)} s: ${report.results[name].throughput_per_s}/s\n`);
    }
  } finally {
    await pool.stop();
  }
  report.machine.loadavg_at_end = loadavg().map((l) => +l.toFixed(2));
  report.targets = evaluateTargets(report.results);
  mkdirSync(opts.out, { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const base = join(opts.out, stamp);
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${base}.md`, renderMarkdown(report, `${stamp}.svg`));
  writeFileSync(`${base}.svg`, renderSvg(report));
  process.stdout.write(`${renderMarkdown(report, `${stamp}.svg`)}\nwrote ${base}.json, .md, .svg\n`);
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
