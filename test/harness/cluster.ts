// A whole Pantheon cluster (gate, Lares, Roma, Senate) on free loopback
// ports and a temp data dir, started as real processes from dist/.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePorts } from './ports.js';
import { startService, type ServiceProcess, type StartOptions } from './processes.js';

export type ServiceName = 'gate' | 'lares' | 'roma' | 'senate';

export interface ClusterPorts {
  gateWs: number;
  gateTcp: number;
  gateGrpc: number;
  gateAdmin: number;
  laresHttp: number;
  laresGrpc: number;
  romaGrpc: number;
  romaHttp: number;
  senateGrpc: number;
  senateHttp: number;
}

export interface TestCluster {
  dir: string;
  dataDir: string;
  configPath: string;
  ports: ClusterPorts;
  config: Record<string, any>;
  processes: Partial<Record<ServiceName, ServiceProcess>>;
  laresUrl: string;
  wsUrl: string;
  tcpAddress: { host: string; port: number };
  start(name: ServiceName, options?: StartOptions): Promise<ServiceProcess>;
  /** Rewrites the config file (e.g. before a restart). */
  writeConfig(): void;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Deep-merged over the generated config. */
  overrides?: Record<string, any>;
  /** Which services to start right away, in order. Default: all four. */
  services?: ServiceName[];
}

export async function createTestCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'pantheon-test-'));
  const [gateWs, gateTcp, gateGrpc, gateAdmin, laresHttp, laresGrpc, romaGrpc, romaHttp, senateGrpc, senateHttp] = await freePorts(10);
  const ports: ClusterPorts = { gateWs, gateTcp, gateGrpc, gateAdmin, laresHttp, laresGrpc, romaGrpc, romaHttp, senateGrpc, senateHttp };
  const config = deepMerge(
    {
      profile: 'dev',
      data_dir: join(dir, 'data'),
      log: { level: 'info' },
      registry: {
        kind: 'static',
        roma: [{ id: 'roma-1', grpc_address: `127.0.0.1:${romaGrpc}` }],
        gate: [{ id: 'gate-1', grpc_address: `127.0.0.1:${gateGrpc}` }],
      },
      gate: {
        id: 'gate-1',
        workers: 2,
        ws: { port: gateWs },
        tcp: { port: gateTcp },
        grpc: { port: gateGrpc },
        admin: { port: gateAdmin },
      },
      lares: {
        http: { port: laresHttp },
        grpc: { port: laresGrpc },
        public_gates: { ws: [`ws://127.0.0.1:${gateWs}/ws`], tcp: [`127.0.0.1:${gateTcp}`] },
      },
      roma: { id: 'roma-1', grpc: { port: romaGrpc }, http: { port: romaHttp } },
      senate: { grpc: { port: senateGrpc }, http: { port: senateHttp } },
    },
    options.overrides ?? {},
  );
  const configPath = join(dir, 'pantheon.yaml');
  const cluster: TestCluster = {
    dir,
    dataDir: config.data_dir,
    configPath,
    ports,
    config,
    processes: {},
    laresUrl: `http://127.0.0.1:${laresHttp}`,
    wsUrl: `ws://127.0.0.1:${gateWs}/ws`,
    tcpAddress: { host: '127.0.0.1', port: gateTcp },
    writeConfig() {
      writeFileSync(configPath, stringify(cluster.config));
    },
    async start(name, startOptions) {
      const started = await startService(name, configPath, startOptions);
      cluster.processes[name] = started;
      return started;
    },
    async stop() {
      const running = Object.values(cluster.processes).filter((p): p is ServiceProcess => p !== undefined);
      await Promise.all(running.map((p) => p.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  cluster.writeConfig();
  try {
    for (const name of options.services ?? ['roma', 'lares', 'gate', 'senate']) await cluster.start(name);
  } catch (error) {
    // The caller never gets the cluster to stop: stop what did start, or it outlives the test run.
    await cluster.stop();
    throw error;
  }
  return cluster;
}

export function deepMerge(base: Record<string, any>, extra: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current)
        ? deepMerge(current, value)
        : value;
  }
  return out;
}
