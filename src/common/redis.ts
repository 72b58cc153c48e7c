// Redis connections for every process that uses Redis (the gate's router,
// replay cache, player records and broadcasts; Roma and Senate for push).
// While Redis is down, calls fail within about a second (no offline queue, one
// retry) so callers can fall back or answer "busy" instead of hanging, and the
// connection keeps reconnecting with a bounded backoff. Nothing here may let
// an error go unhandled: every one is logged (once per outage) or rethrown.
import { Redis, type ChainableCommander, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.js';

export type { Redis, ChainableCommander };

export interface RedisConnectionOptions {
  url: string;
  /** Shown in logs and in Redis's CLIENT LIST, e.g. "gate-1:commands". */
  name: string;
  logger: Logger;
}

const RECONNECT_FIRST_MS = 50;
const RECONNECT_MAX_MS = 1_000;
const CONNECT_TIMEOUT_MS = 2_000;
// A Redis that accepts connections but does not answer (stopped, overloaded) fails calls after this.
const COMMAND_TIMEOUT_MS = 1_000;

/** A connection for commands and scripts: calls fail fast while Redis is unreachable. */
export function createRedisClient(options: RedisConnectionOptions): Redis {
  return connectRedis(options, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS });
}

/**
 * A connection for SUBSCRIBE only. Its SUBSCRIBE waits in the offline queue
 * until Redis is reachable, and ioredis subscribes again after every reconnect.
 */
export function createRedisSubscriber(options: RedisConnectionOptions): Redis {
  return connectRedis(options, { enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true });
}

function connectRedis(options: RedisConnectionOptions, behaviour: RedisOptions): Redis {
  const { logger, name } = options;
  const client = new Redis(options.url, {
    ...behaviour,
    connectionName: name.replace(/[^\w.:-]/g, '_'),
    connectTimeout: CONNECT_TIMEOUT_MS,
    // Never give up: Redis coming back must heal the gate without a restart.
    retryStrategy: (attempt) => Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** Math.min(attempt, 10)),
  });
  let reachable: boolean | undefined;
  client.on('ready', () => {
    if (reachable === false) logger.info({ event: 'redis_connected', redis: name }, `Redis connection ${name} is back`);
    reachable = true;
  });
  client.on('error', (error: Error) => {
    // Every reconnect attempt repeats the same error; only the first one of an outage is news.
    if (reachable === false) return;
    reachable = false;
    logger.warn({ event: 'redis_unreachable', redis: name, url: redactUrl(options.url), err: error }, `Redis connection ${name} failed (${error.message}); reconnecting with backoff up to ${RECONNECT_MAX_MS} ms`);
  });
  return client;
}

/** Resolves true once the connection is ready, false after `timeoutMs` (the caller decides whether that is fatal). */
export function waitUntilReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolveReady) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolveReady(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.on('ready', onReady);
  });
}

/** Closes without waiting for a Redis that may be gone. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await client.quit().catch(() => client.disconnect()); // quit fails only if the connection already broke; disconnect is then all that is left
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/** A Lua script registered on one connection; ioredis sends EVALSHA and reloads it after NOSCRIPT (e.g. a Redis restart). */
export interface RedisScript {
  run(...keysThenArgs: (string | number)[]): Promise<unknown>;
  /** Adds a call to a pipeline (its result arrives with the pipeline's). */
  queue(pipeline: ChainableCommander, ...keysThenArgs: (string | number)[]): void;
}

export function defineRedisScript(client: Redis, name: string, numberOfKeys: number, lua: string): RedisScript {
  client.defineCommand(name, { numberOfKeys, lua });
  // defineCommand adds a method of this name to the client and to its pipelines.
  const method = (target: object) => (target as Record<string, (...args: (string | number)[]) => unknown>)[name];
  return {
    run: (...args) => method(client).apply(client, args) as Promise<unknown>,
    queue: (pipeline, ...args) => {
      method(pipeline).apply(pipeline, args);
    },
  };
}

/** Throws the first failed reply of a pipeline (ioredis reports per-command errors in the result). */
export function pipelineResults(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error('the Redis pipeline was discarded');
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

export interface RedisHealthStats {
  up: boolean;
  errors: number;
}

/**
 * The health of one Redis-backed component as its calls see it: counts
 * failures and logs one line when it goes down and one when it is back.
 */
export class RedisHealth {
  private up = true;
  private errors = 0;

  constructor(
    private readonly logger: Logger,
    private readonly component: string,
    private readonly whileDown: string,
  ) {}

  succeeded(): void {
    if (this.up) return;
    this.up = true;
    this.logger.info({ event: 'redis_component_up', component: this.component, errors: this.errors }, `${this.component}: Redis answers again`);
  }

  failed(error: unknown): void {
    this.errors++;
    if (!this.up) return;
    this.up = false;
    this.logger.warn({ event: 'redis_component_down', component: this.component, err: error }, `${this.component}: Redis call failed; ${this.whileDown}`);
  }

  stats(): RedisHealthStats {
    return { up: this.up, errors: this.errors };
  }
}
