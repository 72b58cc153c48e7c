// More processes next to a TestCluster: another gate or another Roma
// instance, each from its own config file (own id and ports) that shares the
// cluster's data dir (so the same token and signing keys), Lares and Redis.
// Both are added to the cluster's static registry; call cluster.writeConfig()
// before starting the processes that read it. cluster.stop() stops them too.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { deepMerge, type TestCluster } from './cluster.js';
import { freePorts } from './ports.js';
import { startService, type ServiceProcess } from './processes.js';

export interface ExtraProcess {
  id: string;
  configPath: string;
  grpcAddress: string;
  process: ServiceProcess | null;
  start(): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

export interface ExtraGate extends ExtraProcess {
  wsUrl: string;
  tcpAddress: string;
  adminUrl: string;
}

/** A second (third, ...) gate with its own ports; registered in registry.gate. */
export async function addGate(cluster: TestCluster, id: string, overrides: Record<string, any> = {}): Promise<ExtraGate> {
  const [ws, tcp, grpc, admin] = await freePorts(4);
  const config = deepMerge(cluster.config, deepMerge({ gate: { id, ws: { port: ws }, tcp: { port: tcp }, grpc: { port: grpc }, admin: { port: admin } } }, overrides));
  cluster.config.registry.gate = [...cluster.config.registry.gate, { id, grpc_address: `127.0.0.1:${grpc}` }];
  return {
    ...extraProcess(cluster, 'gate', id, config, `127.0.0.1:${grpc}`),
    wsUrl: `ws://127.0.0.1:${ws}/ws`,
    tcpAddress: `127.0.0.1:${tcp}`,
    adminUrl: `http://127.0.0.1:${admin}`,
  };
}

/** Another Roma instance; registered in registry.roma with its color and weight. */
export async function addRoma(cluster: TestCluster, id: string, options: { color?: string; weight?: number } = {}): Promise<ExtraProcess> {
  const [grpc, http] = await freePorts(2);
  const color = options.color ?? '';
  const config = deepMerge(cluster.config, { roma: { id, color, grpc: { port: grpc }, http: { port: http } } });
  cluster.config.registry.roma = [...cluster.config.registry.roma, { id, grpc_address: `127.0.0.1:${grpc}`, color, weight: options.weight ?? 100 }];
  return extraProcess(cluster, 'roma', id, config, `127.0.0.1:${grpc}`);
}

/** A room-role Roma instance (roma.role: room); registered in registry.room, where gates route the Room module. */
export async function addRoomRoma(cluster: TestCluster, id: string): Promise<ExtraProcess> {
  const [grpc, http] = await freePorts(2);
  const config = deepMerge(cluster.config, { roma: { id, role: 'room', grpc: { port: grpc }, http: { port: http } } });
  cluster.config.registry.room = [...(cluster.config.registry.room ?? []), { id, grpc_address: `127.0.0.1:${grpc}` }];
  return extraProcess(cluster, 'roma', id, config, `127.0.0.1:${grpc}`);
}

function extraProcess(cluster: TestCluster, service: 'gate' | 'roma', id: string, config: Record<string, any>, grpcAddress: string): ExtraProcess {
  const configPath = join(cluster.dir, `${id}.yaml`);
  const handle: ExtraProcess = {
    id,
    configPath,
    grpcAddress,
    process: null,
    async start() {
      // The registry lists may have grown since this process was added; they are shared.
      writeFileSync(configPath, stringify({ ...config, registry: cluster.config.registry }));
      handle.process = await startService(service, configPath);
      return handle.process;
    },
    async stop() {
      await handle.process?.stop();
      handle.process = null;
    },
  };
  const stopCluster = cluster.stop.bind(cluster);
  cluster.stop = async () => {
    await handle.stop();
    await stopCluster();
  };
  return handle;
}
