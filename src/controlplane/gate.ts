// The gate's control plane (main thread): config, keys, registry, router,
// replay cache, the data-plane worker pool, and the admin endpoints. It never
// touches a client connection; it answers the workers over the rings.
import { availableParallelism } from 'node:os';
import type { ControlMessage, RuntimeSettings, WorkerMessage } from '../gen/pantheon/gate/v1/ring.js';
import type { GateConfig } from '../common/config/index.js';
import { startAdminHttp } from '../common/health-http.js';
import { secretsDir, type ProcessContext, type RunningService } from '../common/process.js';
import { loadGateSigningKeys, loadTokenKeys } from '../security/keys.js';
import { PantheonError } from '../common/errors.js';
import { LogoutCode } from '../gen/pantheon/client/v1/packet.js';
import { startGateGrpc } from './admin-grpc.js';
import { StaticRegistry } from './registry/static-registry.js';
import type { Registry } from './registry/registry.js';
import { MemoryReplayCache, type ReplayCache } from './replay/replay-cache.js';
import { MemoryRouter } from './router/memory-router.js';
import type { Router } from './router/router.js';
import { SessionDirectory } from './session-directory.js';
import { WorkerPool, type WorkerHandle } from './worker-pool.js';
import { connectionStats, type WorkerCountersView } from './stats.js';

const DRAIN_GRACE_MS = 1_000;

export function runtimeSettingsFrom(gate: GateConfig, logLevel: string): RuntimeSettings {
  return {
    logLevel,
    heartbeatIntervalMs: gate.heartbeat_interval_ms,
    handshakeTimeoutMs: gate.handshake_timeout_ms,
    compressThresholdBytes: gate.compress_threshold_bytes,
    maxInflatedBytes: gate.max_inflated_bytes,
    backendTimeoutMs: gate.backend_timeout_ms,
    routeTimeoutMs: gate.route_timeout_ms,
    maxPendingPerSession: gate.max_pending_per_session,
  };
}

export async function startGate({ config, logger }: ProcessContext): Promise<RunningService> {
  const gate = config.gate;
  const secrets = secretsDir(config);
  const tokenKeys = loadTokenKeys(secrets, config.secrets.auto_generate);
  const signing = loadGateSigningKeys(secrets, config.secrets.auto_generate);
  if (!signing.current.privateKey) {
    throw new PantheonError('SECRETS_INVALID', `the current gate signing key "${signing.current.id}" has no private_key_pem; the gate needs it to sign handshakes`);
  }
  const signingPem = signing.current.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

  const registry: Registry = new StaticRegistry(config.registry);
  const router: Router = new MemoryRouter();
  const replay: ReplayCache = new MemoryReplayCache();
  const directory = new SessionDirectory();
  const counters = new Map<number, WorkerCountersView>();
  let settings = runtimeSettingsFrom(gate, config.log.level);

  const registryMessage = (): ControlMessage => ({ body: { $case: 'registry', value: { instances: registry.instances() } } });
  const pool: WorkerPool = new WorkerPool({
    count: gate.workers === 0 ? availableParallelism() : gate.workers,
    logger,
    bootstrap: () => ({
      gateId: gate.id,
      logLevel: config.log.level,
      gate,
      tokenKeys: { current: tokenKeys.current.id, keys: [...tokenKeys.keys].map(([id, key]) => ({ id, key: key.toString('base64') })) },
      signingKey: { id: signing.current.id, privatePem: signingPem },
      settings,
    }),
    onMessage: (worker, message) => onWorkerMessage(worker, message),
    onWorkerLost: (index) => {
      const dropped = directory.dropWorker(index);
      counters.delete(index);
      logger.warn({ event: 'worker_sessions_lost', worker: index, sessions: dropped }, 'sessions lost with their worker');
    },
  });

  function onWorkerMessage(worker: WorkerHandle, message: WorkerMessage): void {
    const body = message.body;
    switch (body?.$case) {
      case 'ready':
        pool.send(worker.index, registryMessage());
        pool.send(worker.index, { body: { $case: 'settings', value: settings } });
        return;
      case 'opened':
        directory.opened(worker.index, body.value);
        logger.debug({ event: 'session_opened', worker: worker.index, account_id: body.value.accountId.toString(), transport: body.value.transport }, 'session opened');
        return;
      case 'closed':
        directory.closed(body.value.sessionId);
        return;
      case 'counters':
        counters.set(worker.index, body.value);
        return;
      case 'tokenClaim': {
        const { requestId, jti, expiresAtMs } = body.value;
        replay.claim(jti, Number(expiresAtMs)).then(
          (fresh) => pool.send(worker.index, { body: { $case: 'tokenClaim', value: { requestId, fresh, error: '' } } }),
          (error: Error) => pool.send(worker.index, { body: { $case: 'tokenClaim', value: { requestId, fresh: false, error: error.message } } }),
        );
        return;
      }
      case 'routeRequest': {
        const { sessionId, service, color, accountId } = body.value;
        router.route({ service, color, accountId }, registry.instances()).then(
          (decision) =>
            pool.send(worker.index, {
              body: { $case: 'route', value: { sessionId, service, instanceId: decision.ok ? decision.instance.id : '', error: decision.ok ? '' : decision.error } },
            }),
          (error: Error) => pool.send(worker.index, { body: { $case: 'route', value: { sessionId, service, instanceId: '', error: error.message } } }),
        );
        return;
      }
      default:
        return;
    }
  }

  registry.onChange(() => pool.broadcast(registryMessage()));
  await pool.start();
  const listening = pool.workers[0]?.listening ?? [];

  const admin = await startAdminHttp(gate.host, gate.admin.port, {
    '/health': () => ({ status: pool.readyCount > 0 ? 'ok' : 'degraded', workers: { ready: pool.readyCount, total: pool.workers.length } }),
    '/stats/connections': () => connectionStats(counters, directory),
  });
  const grpc = await startGateGrpc(gate.host, gate.grpc.port, gate.id, directory);

  return {
    endpoints: {
      ws: listening.find((l) => l.startsWith('ws://')) ?? '',
      tcp: listening.find((l) => l.startsWith('tcp://')) ?? '',
      grpc: `${gate.host}:${grpc.port}`,
      admin: `http://${gate.host}:${admin.port}`,
      workers: String(pool.workers.length),
    },
    async stop() {
      pool.broadcast({ body: { $case: 'drain', value: { code: LogoutCode.LOGOUT_CODE_SERVER_SHUTDOWN, reason: 'the gate is shutting down; reconnect' } } });
      // Give ServerLogout frames a moment to reach clients before sockets close.
      await new Promise((resolveWait) => setTimeout(resolveWait, Math.min(DRAIN_GRACE_MS, gate.backend_timeout_ms)));
      await pool.stop();
      await Promise.all([admin.close(), grpc.stop(), registry.close(), router.close(), replay.close()]);
    },
  };
}
