// Mercury, the player simulator, as its own end-to-end smoke test: the
// cluster `npm start` runs (with one room-role Roma for the Room module),
// simulated players playing the smoke scenario, and --check failing when
// nothing answers.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { freePorts } from '../harness/ports.js';
import { repoRoot } from '../harness/processes.js';

function mercury(...args: string[]) {
  return spawnSync(process.execPath, ['dist/tools/mercury/index.js', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 20_000 });
}

describe('mercury', () => {
  let cluster: TestCluster;
  let launcher: ChildProcess;
  let output = '';

  beforeAll(async () => {
    cluster = await createTestCluster({ services: [] });
    const [roomGrpc] = await freePorts(1);
    cluster.config.registry.room = [{ id: 'room-1', grpc_address: `127.0.0.1:${roomGrpc}` }];
    cluster.writeConfig();
    launcher = spawn(process.execPath, ['scripts/start.mjs', '--config', cluster.configPath], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    launcher.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    launcher.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const deadline = Date.now() + 30_000;
    while (!output.includes('Pantheon is running')) {
      if (Date.now() > deadline || launcher.exitCode !== null) throw new Error(`npm start did not come up:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 40_000);

  afterAll(async () => {
    if (launcher && launcher.exitCode === null) {
      const exited = new Promise((resolve) => launcher.once('exit', resolve));
      launcher.kill('SIGINT');
      await exited;
    }
    await cluster?.stop();
  }, 20_000);

  it('plays the smoke scenario with every reply a success under --check', () => {
    const run = mercury('--players', '4', '--scenario', 'smoke', '--duration-s', '4', '--ramp-ms', '500', '--check', '--lares', cluster.laresUrl);
    expect(run.stdout).toContain('errors: 0');
    expect(run.status).toBe(0);
    for (const action of ['account', 'token', 'connect', 'character.create', 'character.enter', 'heartbeat', 'profile.get', 'inventory.list', 'chat.world', 'room.create', 'room.leave']) {
      expect(run.stdout).toMatch(new RegExp(`^${action.replace('.', '\\.')}\\s+\\d+\\s+0\\s`, 'm'));
    }
    expect(run.stderr).toMatch(/connected \d+ active \d+ req\/s [\d.]+ errors 0 p99 [\d.]+ ms/);
  }, 25_000);

  it('exits 1 under --check when Lares does not answer, counting the error', async () => {
    const [nothing] = await freePorts(1);
    const run = mercury('--players', '2', '--scenario', 'smoke', '--duration-s', '1', '--ramp-ms', '0', '--check', '--lares', `http://127.0.0.1:${nothing}`);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('errors: 2');
    expect(run.stdout).toMatch(/2\s+http 0 LARES_UNREACHABLE/);
  }, 15_000);
});
