// A real redis-server for tests: a free loopback port, a temp dir, no
// persistence. stop()/kill() and restart() on the same port let tests cause
// and end an outage; dispose() stops it for good and removes the dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface TestRedis {
  url: string;
  port: number;
  /** SIGTERM, wait for exit; the data is gone (no persistence). */
  stop(): Promise<void>;
  /** Stops it and removes the temp dir; call in afterAll. */
  dispose(): Promise<void>;
  /** SIGKILL, wait for exit. */
  kill(): Promise<void>;
  /** Starts again on the same port (stopping first if it runs) and waits for PING. */
  restart(): Promise<void>;
}

const READY_TIMEOUT_MS = 5_000;
const running = new Set<ChildProcess>();

// Last line of defence: a test that crashes before dispose() must not leave redis-server behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pantheon-redis-'));
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const launch = async () => {
    mkdirSync(dir, { recursive: true });
    const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: 'ignore',
    });
    child = started;
    running.add(started);
    exited = new Promise((resolveExit) =>
      started.once('exit', () => {
        running.delete(started);
        resolveExit();
      }),
    );
    const spawnFailed = new Promise<never>((_, reject) => started.once('error', (error) => reject(new Error(`cannot start redis-server (apt-get install redis-server): ${error.message}`))));
    await Promise.race([waitForPong(port), spawnFailed]);
  };
  const end = async (signal: NodeJS.Signals) => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    running.kill(signal);
    await exited;
    child = null;
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => end('SIGTERM'),
    async dispose() {
      await end('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => end('SIGKILL'),
    async restart() {
      await end('SIGTERM');
      await launch();
    },
  };
}

/** Sends PING until +PONG comes back. */
async function waitForPong(port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (await ping(port)) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS} ms`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 20));
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolvePing) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolvePing(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}
