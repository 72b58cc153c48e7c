// Starts the processes a scenario measures (gate, Roma, or the bare uWS echo
// server) on free loopback ports in a temp dir, and reads their CPU time and
// memory from /proc. Every start has a matching stop; nothing outlives a run.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Below the kernel's ephemeral range (32768-60999): a port from listen(0) can be
// taken by any outgoing connection's source port before the server binds it,
// and the idle scenario opens tens of thousands of those. Tests use 20000-31999.
const PORT_RANGE = { start: 12_000, size: 8_000 };
let portCursor = Math.floor(Math.random() * PORT_RANGE.size);

const canListen = (port) =>
  new Promise((resolve) => {
    const s = createServer().once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });

export async function freePort() {
  for (let tried = 0; tried < PORT_RANGE.size; tried += 1) {
    const port = PORT_RANGE.start + (portCursor++ % PORT_RANGE.size);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free loopback port in ${PORT_RANGE.start}-${PORT_RANGE.start + PORT_RANGE.size - 1}`);
}

export async function freePorts(count) {
  const ports = [];
  while (ports.length < count) ports.push(await freePort());
  return ports;
}

/** Raises a process's open-file limit (root can lift the hard limit up to fs.nr_open); returns the limit in force. */
export function raiseFdLimit(pid, wanted) {
  try {
    execFileSync('prlimit', ['--pid', String(pid), `--nofile=${wanted}:${wanted}`], { stdio: 'ignore' });
  } catch {
    // Not root or no prlimit: keep the current limit; idle reports how many connections it reached.
  }
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3] ?? 0);
}

/** utime + stime of a process (all its threads), in seconds. */
export function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks; USER_HZ is 100 on Linux
}

/** VmRSS and VmHWM (peak) of a process, in bytes. */
export function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))?.[1] ?? 0) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/**
 * BENCH_CPU_PROF=gate (or roma, room, colyseus, echo-server) writes V8 CPU profiles of that process, one
 * per thread, into BENCH_PROF_DIR (default bench/results/profiles): the way
 * to find a bottleneck the report names.
 */
function profilingArgs(name) {
  if (process.env.BENCH_CPU_PROF !== name) return [];
  return ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROF_DIR ?? join(root, 'bench/results/profiles')];
}

/** `fdLimit` starts the process under prlimit, so it reads the raised open-file limit at start (the gate sizes its connection cap from it). */
function startProcess(name, args, env = {}, fdLimit = 0) {
  const argv = [...profilingArgs(name), ...args];
  const [command, commandArgs] = fdLimit ? ['prlimit', [`--nofile=${fdLimit}:${fdLimit}`, '--', process.execPath, ...argv]] : [process.execPath, argv];
  const child = spawn(command, commandArgs, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${name} was not ready within 20 s: ${stderr}`)); }, 20_000);
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      if (buffer === null) return; // ready seen: keep draining stdout so the child never blocks on a full pipe
      buffer += chunk;
      if (buffer.includes('"event":"ready"')) {
        buffer = null;
        clearTimeout(timer);
        resolve({ name, child, pid: child.pid });
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${name} exited with ${code} before ready: ${stderr}`)); });
  });
}

async function stopProcess({ child }) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * A gate (and Roma when `withRoma`, plus a room-role Roma when `withRooms`)
 * in a fresh temp dir. Limits meant to stop abusive clients are lifted: the
 * bench is one well-behaved client that sends far more than any player would.
 */
export async function startCluster({ gateWorkers, withRoma, withRooms = false, fdLimit = 0, heartbeatMs = 10_000 }) {
  const dir = mkdtempSync(join(tmpdir(), 'pantheon-bench-'));
  const [ws, tcp, grpc, admin, roma, romaHttp, room, roomHttp] = await freePorts(8);
  const config = join(dir, 'pantheon.yaml');
  const unlimited = { rate_per_s: 1e9, burst: 1e10 };
  writeFileSync(config, JSON.stringify({
    profile: 'dev', data_dir: join(dir, 'data'), log: { level: 'info' },
    registry: { roma: [{ id: 'roma-1', grpc_address: `127.0.0.1:${roma}` }], room: [{ id: 'room-1', grpc_address: `127.0.0.1:${room}` }] },
    gate: {
      workers: gateWorkers, ws: { port: ws }, tcp: { port: tcp }, grpc: { port: grpc }, admin: { port: admin },
      heartbeat_interval_ms: heartbeatMs, max_pending_per_session: 10_000, handshake_timeout_ms: 60_000,
      limits: {
        max_connections: 10_000_000, max_connections_per_ip: 10_000_000, handshakes_per_ip: unlimited,
        packets_per_session: unlimited, bytes_per_session: unlimited, backend_inflight_high_water: 10_000_000,
      },
    },
    roma: { grpc: { port: roma }, http: { port: romaHttp } },
  }));
  const processes = [];
  const cluster = {
    dir, processes, url: `ws://127.0.0.1:${ws}/ws`, secrets: join(dir, 'data/secrets'),
    async stop() {
      for (const p of processes.reverse()) await stopProcess(p);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    if (withRoma || withRooms) processes.push(await startProcess('roma', [join(root, 'dist/roma.js'), '--config', config]));
    if (withRooms) {
      // The same config file; the environment makes this one the room-role instance room-1.
      const env = { PANTHEON_ROMA__ID: 'room-1', PANTHEON_ROMA__ROLE: 'room', PANTHEON_ROMA__GRPC__PORT: String(room), PANTHEON_ROMA__HTTP__PORT: String(roomHttp) };
      processes.push(await startProcess('room', [join(root, 'dist/roma.js'), '--config', config], env));
    }
    // Raising the hard limit needs root with CAP_SYS_RESOURCE; without it prlimit fails and so does the start, saying why.
    processes.push(await startProcess('gate', [join(root, 'dist/gate.js'), '--config', config], {}, fdLimit));
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/** The bare uWS echo server (bench/lib/echo-server.mjs) with `workers` threads on one port. */
export async function startEchoServer({ workers }) {
  const port = await freePort();
  const server = await startProcess('echo-server', [join(root, 'bench/lib/echo-server.mjs'), String(port), String(workers)]);
  return { url: `ws://127.0.0.1:${port}/`, processes: [server], stop: () => stopProcess(server) };
}

/** Colyseus with its uWebSockets.js transport (bench/lib/colyseus-server.mjs), one process. */
export async function startColyseus() {
  const port = await freePort();
  const server = await startProcess('colyseus', [join(root, 'bench/lib/colyseus-server.mjs'), String(port)]);
  return { httpBase: `http://127.0.0.1:${port}`, processes: [server], stop: () => stopProcess(server) };
}
