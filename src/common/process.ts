// The lifecycle every Pantheon process shares: load config, create the root
// logger, start, announce readiness with one `ready` log line (what the
// launcher and the tests wait for), and stop cleanly on SIGINT/SIGTERM.
import { join, resolve } from 'node:path';
import { configPathFrom, loadConfig, type PantheonConfig } from './config/index.js';
import { errorMessage, PantheonError } from './errors.js';
import { createRootLogger, type Logger } from './logger.js';

export interface ProcessContext {
  config: PantheonConfig;
  configPath: string;
  logger: Logger;
}

export interface RunningService {
  /** Where it listens, e.g. { http: "http://127.0.0.1:8001", grpc: "127.0.0.1:9001" }. */
  endpoints: Record<string, string>;
  stop(): Promise<void>;
  /** SIGHUP: re-read the config and apply what can change live. */
  reload?(): Promise<void>;
}

export type ServiceStarter = (context: ProcessContext) => Promise<RunningService>;

export function secretsDir(config: PantheonConfig): string {
  return resolve(config.secrets.dir ?? join(config.data_dir, 'secrets'));
}

export function runProcess(service: string, instanceOf: (config: PantheonConfig) => string, start: ServiceStarter): void {
  let context: ProcessContext;
  try {
    const configPath = configPathFrom(process.argv, process.env);
    const { config, overrides } = loadConfig(configPath);
    const logger = createRootLogger({ service, instance: instanceOf(config), level: config.log.level });
    logger.info({ event: 'config_loaded', config_path: configPath, env_overrides: overrides, profile: config.profile }, 'config loaded');
    context = { config, configPath, logger };
  } catch (error) {
    // No logger exists yet: a plain stderr line is what a person starting the process reads.
    process.stderr.write(`${service}: ${errorMessage(error)}\n`);
    process.exit(error instanceof PantheonError && error.code.startsWith('CONFIG') ? 78 : 1);
  }
  void startAndSupervise(service, context, start);
}

async function startAndSupervise(service: string, context: ProcessContext, start: ServiceStarter): Promise<void> {
  const { logger } = context;
  let running: RunningService;
  try {
    running = await start(context);
  } catch (error) {
    logger.fatal({ event: 'start_failed', err: error, code: (error as PantheonError).code }, `${service} failed to start: ${errorMessage(error)}`);
    process.stderr.write(`${service}: failed to start: ${errorMessage(error)}\n`);
    process.exit(1);
  }
  logger.info({ event: 'ready', endpoints: running.endpoints }, `${service} ready`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ event: 'stop_forced', signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ event: 'stopping', signal }, `${service} stopping`);
    running
      .stop()
      .then(() => {
        logger.info({ event: 'stopped' }, `${service} stopped`);
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ event: 'stop_failed', err: error }, `${service} did not stop cleanly`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Without a handler SIGHUP would terminate the process; with one, it reloads or says it cannot.
  let reloading: Promise<void> = Promise.resolve();
  process.on('SIGHUP', () => {
    if (stopping) return;
    if (!running.reload) {
      logger.warn({ event: 'reload_unsupported', signal: 'SIGHUP' }, `${service} does not reload its config; restart it to apply changes`);
      return;
    }
    const reload = running.reload.bind(running);
    // Signals that arrive during a reload queue behind it: reloads never interleave.
    reloading = reloading.then(() => reload()).catch((error: unknown) => logger.error({ event: 'reload_failed', err: error }, 'reload failed'));
  });
  process.on('uncaughtException', (error) => {
    logger.fatal({ event: 'uncaught_exception', err: error }, 'uncaught exception; exiting');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ event: 'unhandled_rejection', err: reason }, 'unhandled promise rejection; exiting');
    process.exit(1);
  });
}
