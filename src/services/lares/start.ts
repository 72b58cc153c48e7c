// Lares's composition root: opens the store, loads keys, starts the hashing
// pool, wires the use cases, and exposes them over HTTP and gRPC. The only
// place that knows every concrete implementation; stop() undoes it in reverse.
import type { Logger } from '../../common/logger.js';
import { secretsDir, type ProcessContext, type RunningService } from '../../common/process.js';
import { registerSelf } from '../../discovery/index.js';
import { loadGateSigningKeys, loadTokenKeys } from '../../security/keys.js';
import { openStores } from '../../store/index.js';
import { Accounts } from './biz/accounts.js';
import { Sessions } from './biz/sessions.js';
import { LoginThrottle } from './biz/throttle.js';
import { Tokens } from './biz/tokens.js';
import { startLaresAdminGrpc } from './grpc/admin-server.js';
import { PasswordPool } from './hash/password-pool.js';
import { laresRoutes } from './http/routes.js';
import { LaresMetrics } from './lares-metrics.js';
import { startLaresHttp } from './http/server.js';

const SESSION_SWEEP_INTERVAL_MS = 60 * 60_000;

type Cleanup = () => Promise<void>;

export async function startLares(context: ProcessContext): Promise<RunningService> {
  const { config, logger } = context;
  const lares = config.lares;
  const cleanups: Cleanup[] = [];
  try {
    const stores = openStores(config, logger);
    cleanups.push(() => stores.close());
    const store = await stores.accounts();
    const tokenKeys = loadTokenKeys(secretsDir(config), config.secrets.auto_generate);
    const gateKeys = loadGateSigningKeys(secretsDir(config), config.secrets.auto_generate);
    const hasher = new PasswordPool(lares.password_hash_threads);
    cleanups.push(() => hasher.close());

    const sessions = new Sessions({ store, ttlMs: lares.session_ttl_ms, logger });
    const accounts = new Accounts({ store, hasher, sessions, throttle: new LoginThrottle(lares.throttle), logger });
    const tokens = new Tokens({ sessions, tokenKeys, gateKeys, gates: lares.public_gates, zone: config.zone, ttlMs: lares.token_ttl_ms, logger });
    await accounts.prepare();

    const metrics = new LaresMetrics();
    const routes = laresRoutes({ accounts, sessions, tokens, metrics });
    const http = await startLaresHttp({ host: lares.host, port: lares.http.port, maxBodyBytes: lares.max_body_bytes, routes, logger, metrics });
    cleanups.push(() => http.close());
    const grpc = await startLaresAdminGrpc(lares.host, lares.grpc.port, accounts, logger);
    cleanups.push(() => grpc.stop());
    cleanups.push(startSessionSweeper(sessions, logger));
    // Pushed last so it runs first on stop: the record leaves etcd before the listeners close.
    const registration = await registerSelf(config, logger, {
      service: 'lares',
      id: lares.id,
      bindHost: lares.host,
      grpcPort: grpc.port,
      urls: { http: `http://${lares.host}:${http.port}` },
      color: '',
      weight: 100,
    });
    cleanups.push(() => registration.close());

    return {
      endpoints: { http: `http://${lares.host}:${http.port}`, grpc: `${lares.host}:${grpc.port}` },
      stop: () => runCleanups(cleanups),
      // SIGHUP re-reads the gate key file, so a key added for rotation is published
      // to clients before the gates start signing with it (docs/operations.md).
      async reload() {
        const reloaded = loadGateSigningKeys(secretsDir(config), false);
        tokens.setGateKeys(reloaded);
        logger.info({ event: 'reload_applied', gate_keys: [...reloaded.keys.keys()] }, 'gate public keys reloaded');
      },
    };
  } catch (error) {
    await runCleanups(cleanups);
    throw error;
  }
}

/** Expired sessions are also dropped when presented; this catches the ones never presented again. */
function startSessionSweeper(sessions: Sessions, logger: Logger): Cleanup {
  let running: Promise<void> = Promise.resolve();
  const sweep = () => {
    running = sessions.deleteExpired().then(
      (removed) => {
        if (removed > 0) logger.info({ event: 'sessions_swept', removed }, 'expired sessions removed');
      },
      (error: unknown) => logger.error({ event: 'session_sweep_failed', err: error }, 'could not remove expired sessions'),
    );
  };
  sweep();
  const timer = setInterval(sweep, SESSION_SWEEP_INTERVAL_MS).unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/** Last started, first stopped: listeners close before the pool and store they use. Every step runs even if one fails. */
async function runCleanups(cleanups: Cleanup[]): Promise<void> {
  let firstError: unknown;
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      firstError ??= error;
    }
  }
  cleanups.length = 0;
  if (firstError !== undefined) throw firstError;
}
