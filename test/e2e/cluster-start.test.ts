// The README contract: `npm start` runs the whole cluster on embedded
// defaults, `npm run demo` plays against it, Senate sees the sessions, and
// Ctrl-C stops every process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SenateAdminClient, type ListOnlineSessionsResponse } from '../../src/gen/pantheon/senate/v1/senate.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { repoRoot } from '../harness/processes.js';
import { newPlayer } from '../harness/player.js';

describe('npm start', () => {
  let cluster: TestCluster;
  let launcher: ChildProcess;
  let output = '';

  beforeAll(async () => {
    cluster = await createTestCluster({ services: [] });
    launcher = spawn(process.execPath, ['scripts/start.mjs', '--config', cluster.configPath], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    launcher.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    launcher.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const deadline = Date.now() + 30_000;
    while (!output.includes('Pantheon is running')) {
      if (Date.now() > deadline || launcher.exitCode !== null) throw new Error(`npm start did not come up:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  afterAll(async () => {
    if (launcher.exitCode === null) launcher.kill('SIGKILL');
    await cluster?.stop();
  });

  it('prints where every service listens', () => {
    expect(output).toContain(`ws://127.0.0.1:${cluster.ports.gateWs}/ws`);
    expect(output).toContain(`tcp://127.0.0.1:${cluster.ports.gateTcp}`);
    expect(output).toContain(`http://127.0.0.1:${cluster.ports.laresHttp}`);
    expect(output).toContain(`127.0.0.1:${cluster.ports.senateGrpc}`);
  });

  it('answers the demo client over WebSocket and TCP', () => {
    const demo = spawnSync(process.execPath, ['dist/tools/demo.js', '--lares', cluster.laresUrl], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
    expect(demo.stderr).toBe('');
    expect(demo.status).toBe(0);
    expect(demo.stdout).toMatch(/WebSocket: Echo through Roma "hello #3 over WebSocket"/);
    expect(demo.stdout).toMatch(/TCP: Echo through Roma "hello #3 over TCP"/);
    expect(demo.stdout).toContain('demo finished');
  });

  it('lists online sessions through Senate', async () => {
    const player = await newPlayer(cluster);
    const client = await player.connect('ws');
    const senate = new SenateAdminClient(`127.0.0.1:${cluster.ports.senateGrpc}`, credentials.createInsecure());
    const list = () =>
      new Promise<ListOnlineSessionsResponse>((resolve, reject) => senate.listOnlineSessions({}, (e, r) => (e ? reject(e) : resolve(r))));
    const response = await list();
    senate.close();
    expect(response.total).toBe(1);
    expect(response.gates[0].sessions[0].accountId.toString()).toBe(player.accountId);
    expect(Buffer.from(response.gates[0].sessions[0].sessionId)).toEqual(Buffer.from(client.sessionId));
    client.close();
  });

  it('stops every service on Ctrl-C (SIGINT) and exits 0', async () => {
    const exited = new Promise<number | null>((resolve) => launcher.once('exit', (code) => resolve(code)));
    launcher.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('all services stopped');
    const health = await fetch(`http://127.0.0.1:${cluster.ports.gateAdmin}/health`).catch((e: unknown) => e);
    expect(health).toBeInstanceOf(Error);
  });
});
