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
import { StartupRollback } from '../common/startup-rollback.js';
import { connectionCapFor, FD_RESERVE, openFileLimit } from '../common/fd-limit.js';
import { LogoutCode } from '../gen/pantheon/client/v1/packet.js';
import { startGateGrpc } from './admin-grpc.js';
import { StaticRegistry } from './registry/static-registry.js';
import { EtcdRegistry } from './registry/etcd-registry.js';
import { registerSelf } from '../discovery/index.js';
import type { Registry } from './registry/registry.js';
import { createGateRouting } from './gate-routing.js';
import { deliverBroadcastHere, pushService, type PushDeps } from './push/push-service.js';
import { SessionDirectory } from './session-directory.js';
import { WorkerPool, type WorkerHandle } from './worker-pool.js';
import { connectionStats, type WorkerCountersView } from './stats.js';
import { GateMetrics } from './metrics/gate-metrics.js';
import { Readiness } from './readiness.js';
import { HandshakeLimiter } from './handshake-limiter.js';
import { reloadConfig } from './reload.js';
import { createConnectionCounts } from '../dataplane/limits/connection-counts.js';

/** Beyond the drain grace period: time for workers to report and frames to leave. */
const DRAIN_SLACK_MS = 200;

/** The whole process shares one fd limit; read once, at start (a SIGHUP cannot raise it). */
const fdLimit = openFileLimit();

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
    maxConnections: connectionCapFor(gate.limits.max_connections, fdLimit).maxConnections,
    maxConnectionsPerIp: gate.limits.max_connections_per_ip,
    packetsPerS: gate.limits.packets_per_session.rate_per_s,
    packetBurst: gate.limits.packets_per_session.burst,
    bytesPerS: gate.limits.bytes_per_session.rate_per_s,
    byteBurst: gate.limits.bytes_per_session.burst,
    abuseCloseAfter: gate.limits.abuse_close_after,
    slowConsumerBytes: gate.limits.slow_consumer_bytes,
    backendInflightHighWater: gate.limits.backend_inflight_high_water,
    circuitFailures: gate.circuit.consecutive_failures,
    circuitEjectMs: gate.circuit.eject_ms,
    moduleServices: Object.fromEntries(Object.entries(gate.module_services).map(([mod, service]) => [Number(mod), service])),
    keyedModules: gate.keyed_modules,
  };
}

export async function startGate({ config, configPath, logger }: ProcessContext): Promise<RunningService> {
  const gate = config.gate;
  const secrets = secretsDir(config);
  const tokenKeys = loadTokenKeys(secrets, config.secrets.auto_generate);
  let signing = loadGateSigningKeys(secrets, config.secrets.auto_generate);
  if (!signing.current.privateKey) {
    throw new PantheonError('SECRETS_INVALID', `the current gate signing key "${signing.current.id}" has no private_key_pem; the gate needs it to sign handshakes`);
  }
  let signingPem = signing.current.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

  warnIfFdLimited(gate.limits.max_connections, logger);
  const rollback = new StartupRollback(logger);
  return rollback.run(async () => {
    const registry: Registry = config.registry.kind === 'etcd' ? await EtcdRegistry.start(config, logger) : new StaticRegistry(config.registry);
    rollback.add('registry', () => registry.close());
    const routing = await createGateRouting(config, logger);
    rollback.add('routing', () => routing.close());
    const { router, replay } = routing;
    const directory = new SessionDirectory();
    const counters = new Map<number, WorkerCountersView>();
    let settings = runtimeSettingsFrom(gate, config.log.level);
    /** The config in force: replaced as a whole by a successful SIGHUP reload. */
    let live = config;
    const handshakeLimiter = new HandshakeLimiter(() => live.gate.limits.handshakes_per_ip);
    rollback.add('handshake limiter', () => handshakeLimiter.close());
    /** Instances a worker's circuit breaker ejected, until when. */
    const ejections = new Map<string, number>();
    const routable = () => registry.instances().filter((instance) => (ejections.get(instance.id) ?? 0) <= Date.now());
    const drainedWorkers = new Set<number>();
    let onWorkerDrained = () => {};

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
        tracing: config.tracing,
      }),
      connectionCounts: createConnectionCounts(),
      onMessage: (worker, message) => onWorkerMessage(worker, message),
      onWorkerLost: (index) => {
        const dropped = directory.dropWorker(index);
        metrics.retireWorker(index);
        counters.delete(index);
        logger.warn({ event: 'worker_sessions_lost', worker: index, sessions: dropped }, 'sessions lost with their worker');
      },
    });

    const readiness = new Readiness({
      workers: () => ({ ready: pool.readyCount, total: pool.workers.length }),
      registryConnected: () => registry.health?.().connected ?? true,
    });
    // Reads only what this thread holds (the workers' latest snapshots, its own ring ends): a scrape never waits on a worker.
    const metrics = new GateMetrics({
      snapshots: counters,
      workers: () => ({ ready: pool.readyCount, total: pool.workers.length }),
      controlRings: () => pool.workers.map((worker) => ({ worker: worker.index, stats: worker.toWorker.stats() })),
      sessions: () => directory.size,
      registry,
      router,
      readiness,
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
          const { requestId, jti, expiresAtMs, remoteAddress } = body.value;
          const answer = (fresh: boolean, error: string, rateLimited = false) =>
            pool.send(worker.index, { body: { $case: 'tokenClaim', value: { requestId, fresh, error, rateLimited } } });
          if (!handshakeLimiter.allow(remoteAddress)) {
            answer(false, '', true);
            return;
          }
          replay.claim(jti, Number(expiresAtMs)).then(
            (fresh) => answer(fresh, ''),
            (error: Error) => answer(false, error.message),
          );
          return;
        }
        case 'ejected': {
          const { instanceId, untilMs, reason } = body.value;
          ejections.set(instanceId, Number(untilMs));
          logger.warn({ event: 'instance_ejected', instance: instanceId, worker: worker.index, until_ms: Number(untilMs), reason }, 'not routing new sessions to an ejected instance');
          return;
        }
        case 'drained':
          drainedWorkers.add(worker.index);
          onWorkerDrained();
          return;
        case 'keyLearned': {
          const { service, key, instanceId } = body.value;
          router.learnKey({ service, key }, instanceId).catch((error: unknown) =>
            logger.error({ event: 'route_key_learn_failed', service, key: String(key), err: error }, 'could not record where a keyed object lives'),
          );
          return;
        }
        case 'routeRequest': {
          const { sessionId, service, color, accountId, key } = body.value;
          if (key !== 0n) {
            // Unknown or failed: an empty instance without error sends the worker back to the session route.
            const answerKey = (instanceId: string) => pool.send(worker.index, { body: { $case: 'route', value: { sessionId, service, instanceId, error: '', key } } });
            router.routeKey({ service, key }, routable()).then(
              (holder) => answerKey(holder?.id ?? ''),
              (error: Error) => {
                logger.warn({ event: 'route_key_failed', service, key: String(key), err: error }, 'could not look up a keyed object; routing by session');
                answerKey('');
              },
            );
            return;
          }
          router.route({ service, color, accountId }, routable()).then(
            (decision) => {
              if (decision.ok) directory.routed(sessionId, service, decision.instance.id);
              pool.send(worker.index, {
                body: { $case: 'route', value: { sessionId, service, instanceId: decision.ok ? decision.instance.id : '', error: decision.ok ? '' : decision.error, key: 0n } },
              });
            },
            (error: Error) => pool.send(worker.index, { body: { $case: 'route', value: { sessionId, service, instanceId: '', error: error.message, key: 0n } } }),
          );
          return;
        }
        default:
          return;
      }
    }

    /** Re-reads the signing key file; a new current key is sent to every worker. */
    function rotateSigningKey(): boolean {
      const reloaded = loadGateSigningKeys(secrets, false);
      if (reloaded.current.id === signing.current.id) return false;
      if (!reloaded.current.privateKey) {
        logger.error({ event: 'signing_key_unusable', key_id: reloaded.current.id }, 'the new current signing key has no private_key_pem; keeping the old one');
        return false;
      }
      signing = reloaded;
      signingPem = reloaded.current.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      pool.broadcast({ body: { $case: 'signingKey', value: { keyId: reloaded.current.id, privateKeyPem: signingPem } } });
      return true;
    }

    registry.onChange(() => pool.broadcast(registryMessage()));
    rollback.add('data-plane workers', () => pool.stop());
    await pool.start();
    const listening = pool.workers[0]?.listening ?? [];

    const admin = await startAdminHttp(gate.host, gate.admin.port, {
      '/health': () => ({ status: pool.readyCount > 0 ? 'ok' : 'degraded', workers: { ready: pool.readyCount, total: pool.workers.length }, registry: registry.health() }),
      '/stats/connections': () => connectionStats(counters, directory),
      '/ready': () => readiness.reply(),
      '/metrics': () => metrics.reply(),
      '/stats/routing': () => routing.stats(),
    });
    rollback.add('admin HTTP', () => admin.close());
    const pushDeps: PushDeps = { gateId: gate.id, zone: config.zone, maxFrameBytes: gate.max_frame_bytes, directory, send: (index, message) => pool.send(index, message), broadcastToWorkers: (message) => pool.broadcast(message), logger };
    const broadcasts = await routing.start({ directory, liveInstances: () => registry.instances(), deliverBroadcast: (broadcast) => deliverBroadcastHere(pushDeps, broadcast) });
    const grpc = await startGateGrpc(gate.host, gate.grpc.port, gate.id, directory, pushService(pushDeps, broadcasts));
    rollback.add('gRPC server', () => grpc.stop());
    const registration = await registerSelf(config, logger, {
      service: 'gate',
      id: gate.id,
      bindHost: gate.host,
      grpcPort: grpc.port,
      urls: { ws: listening.find((l) => l.startsWith('ws://')), tcp: listening.find((l) => l.startsWith('tcp://')), admin: `http://${gate.host}:${admin.port}` },
      color: gate.color,
      weight: gate.weight,
      load: () => directory.size,
    });

    return {
      endpoints: {
        ws: listening.find((l) => l.startsWith('ws://')) ?? '',
        tcp: listening.find((l) => l.startsWith('tcp://')) ?? '',
        grpc: `${gate.host}:${grpc.port}`,
        admin: `http://${gate.host}:${admin.port}`,
        workers: String(pool.workers.length),
      },
      async reload() {
        const result = reloadConfig(configPath, live);
        if (!result.ok) {
          logger.error({ event: 'reload_rejected', error: result.error }, 'config reload rejected; the running config stays in force');
          metrics.reloaded(false);
          return;
        }
        const { config: next, change } = result;
        if (change.needsRestart.length > 0) {
          logger.warn({ event: 'reload_needs_restart', keys: change.needsRestart }, `needs restart: ${change.needsRestart.join(', ')} keep their running values until the gate restarts`);
        }
        live = next;
        logger.level = next.log.level;
        settings = runtimeSettingsFrom(next.gate, next.log.level);
        pool.broadcast({ body: { $case: 'settings', value: settings } });
        if (registry instanceof StaticRegistry && change.applied.some((key) => key.startsWith('registry.'))) registry.reload(next.registry);
        routing.reconfigure(next.router);
        const rotated = rotateSigningKey();
        logger.info({ event: 'reload_applied', keys: change.applied, signing_key: signing.current.id, signing_key_rotated: rotated }, 'config reloaded');
        metrics.reloaded(true);
      },
      async stop() {
        // GET /ready turns 503 at once, so load balancers stop sending players here.
        readiness.setDraining(true);
        // Deregister first, so no new player or operator is pointed here while the sessions drain.
        await registration.close();
        // Drain: workers stop accepting, finish in-flight requests, log every
        // session out ("reconnect elsewhere") and report when they are empty.
        const graceMs = live.gate.drain_grace_ms;
        const allDrained = new Promise<void>((resolveDrained) => {
          onWorkerDrained = () => {
            if (drainedWorkers.size >= pool.readyCount) resolveDrained();
          };
          setTimeout(resolveDrained, graceMs + DRAIN_SLACK_MS).unref();
        });
        pool.broadcast({ body: { $case: 'drain', value: { code: LogoutCode.LOGOUT_CODE_SERVER_SHUTDOWN, reason: 'the gate is shutting down; reconnect', graceMs } } });
        await allDrained;
        logger.info({ event: 'drained', workers_drained: drainedWorkers.size, sessions_left: directory.size }, 'drain finished');
        // Let the last ServerLogout frames leave before the sockets close.
        await new Promise((resolveWait) => setTimeout(resolveWait, DRAIN_SLACK_MS));
        await pool.stop();
        handshakeLimiter.close();
        await Promise.all([admin.close(), grpc.stop(), registry.close(), routing.close()]);
      },
    };
  });
}

function warnIfFdLimited(configured: number, logger: ProcessContext['logger']): void {
  const cap = connectionCapFor(configured, fdLimit);
  if (cap.clampedFrom === undefined) return;
  logger.warn(
    { event: 'max_connections_clamped', configured, effective: cap.maxConnections, fd_limit: fdLimit, fd_reserve: FD_RESERVE },
    `gate.limits.max_connections ${configured} is more than the open-file limit ${fdLimit} allows; accepting at most ${cap.maxConnections} connections. Raise it (ulimit -n, LimitNOFILE in systemd) to serve more`,
  );
}
