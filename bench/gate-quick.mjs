#!/usr/bin/env node
// A quick look at the gate on this machine, in one run: the raw handshake
// crypto ceiling in one thread, PANTHEON/1 handshakes per second, and
// encrypted heartbeat (gate only) and Echo (gate -> Roma) round trips per
// second with latency percentiles. Usage (after npm run build):
//   node bench/gate-quick.mjs [--seconds 5] [--connections 64] [--depth 8] [--workers 2]
// It starts its own Roma and gate on free loopback ports and stops them.
import { spawn } from 'node:child_process';
import { createHash, diffieHellman, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sealToken } from '../dist/security/token.js';
import { loadTokenKeys } from '../dist/security/keys.js';
import { gateKeyMap, openSession } from './lib/fast-client.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const SECONDS = arg('seconds', 5);
const CONNECTIONS = arg('connections', 64);
const DEPTH = arg('depth', 8);
const WORKERS = arg('workers', 2);

const freePort = () => new Promise((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });

function startProcess(name, config) {
  const child = spawn(process.execPath, [...(process.env.BENCH_CPU_PROF === name ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROF_DIR ?? 'bench/profiles'] : []), join(root, 'dist', `${name}.js`), '--config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      if (buffer.includes('"event":"ready"')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
}

function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, clock ticks
}

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}

function cryptoCeiling(ms) {
  const { privateKey: signingKey } = generateKeyPairSync('ed25519');
  const peer = generateKeyPairSync('x25519').publicKey;
  const until = performance.now() + ms;
  let ops = 0;
  while (performance.now() < until) {
    const pair = generateKeyPairSync('x25519');
    diffieHellman({ privateKey: pair.privateKey, publicKey: peer });
    sign(null, createHash('sha256').update(randomBytes(32)).digest(), signingKey);
    ops++;
  }
  return ops / (ms / 1000);
}

async function measure(label, gatePid, body) {
  const serverBefore = cpuSeconds(gatePid);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const result = await body();
  const elapsed = (performance.now() - started) / 1000;
  const client = process.cpuUsage(clientBefore);
  return { scenario: label, ...result, seconds: +elapsed.toFixed(2), gate_cpu_s: +(cpuSeconds(gatePid) - serverBefore).toFixed(2), client_cpu_s: +((client.user + client.system) / 1e6).toFixed(2) };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'pantheon-bench-'));
  const [ws, tcp, grpc, admin, roma, romaHttp] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
  const configPath = join(dir, 'pantheon.yaml');
  writeFileSync(configPath, JSON.stringify({
    profile: 'dev', data_dir: join(dir, 'data'), log: { level: 'info' },
    registry: { roma: [{ id: 'roma-1', grpc_address: `127.0.0.1:${roma}` }] },
    gate: { workers: WORKERS, ws: { port: ws }, tcp: { port: tcp }, grpc: { port: grpc }, admin: { port: admin } },
    roma: { grpc: { port: roma }, http: { port: romaHttp } },
  }));
  const processes = [await startProcess('roma', configPath), await startProcess('gate', configPath)];
  const gatePid = processes[1].pid;
  try {
    const tokenKeys = loadTokenKeys(join(dir, 'data/secrets'), false);
    const gateKeys = gateKeyMap(JSON.parse(readFileSync(join(dir, 'data/secrets/gate-signing-keys.json'), 'utf8')));
    const url = `ws://127.0.0.1:${ws}/ws`;
    let account = 1n;
    const token = () => sealToken({ accountId: account++, color: '', serverId: 1n, status: 1, issuedAtMs: BigInt(Date.now()), expiresAtMs: BigInt(Date.now() + 300_000), jti: randomBytes(16) }, tokenKeys.current);

    const results = [];
    results.push({ scenario: 'crypto-ceiling (1 thread: X25519 keygen + DH + Ed25519 sign)', ops_per_s: Math.round(cryptoCeiling(1000)) });

    results.push(await measure('handshake', gatePid, async () => {
      const latencies = [];
      const until = performance.now() + SECONDS * 1000;
      await Promise.all(Array.from({ length: 16 }, async () => {
        while (performance.now() < until) {
          const t = performance.now();
          const session = await openSession(url, token(), gateKeys);
          latencies.push(performance.now() - t);
          session.close();
        }
      }));
      latencies.sort((a, b) => a - b);
      return { ops_per_s: Math.round(latencies.length / SECONDS), p50_ms: +percentile(latencies, 50).toFixed(2), p99_ms: +percentile(latencies, 99).toFixed(2) };
    }));

    const sessions = [];
    for (let i = 0; i < CONNECTIONS; i++) sessions.push(await openSession(url, token(), gateKeys));
    const payload = randomBytes(64);
    for (const [name, mod, seq] of [['gate-heartbeat', 1, 1], ['gate-roma-echo', 2, 1]]) {
      results.push(await measure(name, gatePid, async () => {
        const latencies = [];
        const until = performance.now() + SECONDS * 1000;
        const data = mod === 1 ? new Uint8Array([8, 1]) : payload;
        await Promise.all(sessions.flatMap((session) => Array.from({ length: DEPTH }, async () => {
          while (performance.now() < until) {
            const t = performance.now();
            const reply = await session.request(mod, seq, data);
            if (reply.code !== 0) throw new Error(`${name}: code ${reply.code}`);
            latencies.push(performance.now() - t);
          }
        })));
        latencies.sort((a, b) => a - b);
        return { ops_per_s: Math.round(latencies.length / SECONDS), p50_ms: +percentile(latencies, 50).toFixed(2), p99_ms: +percentile(latencies, 99).toFixed(2) };
      }));
    }
    for (const session of sessions) session.close();
    const settings = { seconds: SECONDS, connections: CONNECTIONS, depth: DEPTH, gate_workers: WORKERS, payload_bytes: 64 };
    process.stdout.write(JSON.stringify({ settings, results }, null, 2) + '\n');
  } finally {
    for (const child of processes.reverse()) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error.stack}\n`);
  process.exit(1);
});
