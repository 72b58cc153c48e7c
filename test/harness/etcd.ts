// A real single-node etcd (Debian's `etcd` binary) on two free loopback ports
// and a temp data dir, with election timeouts short enough to be ready in
// ~0.1 s. Tests stop, kill and restart it to play outages; dispose() removes it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './ports.js';

export interface TestEtcd {
  /** Client URL, e.g. http://127.0.0.1:40123. */
  endpoint: string;
  /** SIGTERM and wait for exit; the data dir is kept so restart() brings the same keys and leases back. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit (data dir kept). */
  kill(): Promise<void>;
  /** Starts again on the same ports and data dir (stops first if running) and waits for /health. */
  restart(): Promise<void>;
  /** Stops it and removes the temp dir; call in afterAll. */
  dispose(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;
const running = new Set<ChildProcess>();

// Last line of defence: a test that crashes before dispose() must not leave etcd behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startEtcd(): Promise<TestEtcd> {
  const dir = mkdtempSync(join(tmpdir(), 'pantheon-etcd-'));
  const [clientPort, peerPort] = await freePorts(2);
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name', 'n1',
    '--data-dir', join(dir, 'data'),
    '--listen-client-urls', endpoint,
    '--advertise-client-urls', endpoint,
    '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `n1=${peer}`,
    '--heartbeat-interval', '10',
    '--election-timeout', '100',
    '--log-level', 'error',
  ];
  let child: ChildProcess | undefined;
  let output = '';

  const launch = async () => {
    output = '';
    const started = spawn('etcd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    started.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.once('exit', () => running.delete(started));
    running.add(started);
    child = started;
    await waitForHealth(endpoint, started, () => output);
  };
  const terminate = async (signal: NodeJS.Signals) => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise<void>((resolveExit) => current.once('exit', () => resolveExit()));
    current.kill(signal);
    await exited;
  };

  await launch();
  return {
    endpoint,
    stop: () => terminate('SIGTERM'),
    kill: () => terminate('SIGKILL'),
    async restart() {
      await terminate('SIGTERM');
      await launch();
    },
    async dispose() {
      await terminate('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForHealth(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`etcd exited (${child.exitCode ?? child.signalCode}) before it was healthy: ${output()}`);
    }
    try {
      const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok && ((await response.json()) as { health?: string }).health === 'true') return;
    } catch {
      // Not listening yet: keep polling until the deadline.
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`etcd at ${endpoint} was not healthy within ${READY_TIMEOUT_MS} ms: ${output()}`);
}
