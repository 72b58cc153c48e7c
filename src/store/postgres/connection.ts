// One pg Pool per store plus the two things every PostgreSQL adapter needs:
// creating its schema on open (serialised across instances by an advisory
// lock) and turning pg errors into StoreErrors that say what to do.
import pg from 'pg';
import type { Logger } from '../../common/logger.js';
import { errorMessage } from '../../common/errors.js';
import { redactUrl, StoreError, storeClosed } from '../errors.js';

export interface PostgresOptions {
  url: string;
  poolSize: number;
  logger: Logger;
  /** Names the store in messages, e.g. "the PostgreSQL player store". */
  what: string;
  /** Idempotent DDL (CREATE ... IF NOT EXISTS), run in order in one transaction. */
  schema: readonly string[];
}

const CONNECT_TIMEOUT_MS = 5_000;
// Concurrent CREATE TABLE IF NOT EXISTS can still collide in PostgreSQL's catalog; one lock per database avoids it.
const SCHEMA_LOCK_KEY = 0x50414e54; // "PANT"

export class PostgresConnection {
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly target: string,
    private readonly what: string,
  ) {}

  static async open(options: PostgresOptions): Promise<PostgresConnection> {
    const target = redactUrl(options.url);
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    // Without a listener an idle client's error (server restart) would crash the process; the next query reconnects.
    pool.on('error', (error) => options.logger.warn({ event: 'store_connection_lost', target, err: error }, `${options.what}: an idle PostgreSQL connection failed`));
    try {
      await createSchema(pool, options.schema);
    } catch (error) {
      await pool.end();
      throw openFailed(error, target);
    }
    return new PostgresConnection(pool, target, options.what);
  }

  /** Runs one parameterised statement; `op` names the store operation in errors. */
  async query<Row extends pg.QueryResultRow>(op: string, sql: string, params: readonly unknown[]): Promise<pg.QueryResult<Row>> {
    if (this.closed) throw storeClosed(this.what);
    try {
      return await this.pool.query<Row>(sql, params as unknown[]);
    } catch (error) {
      throw queryFailed(error, op, this.target);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

async function createSchema(pool: pg.Pool, statements: readonly string[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY]);
    for (const statement of statements) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    // The original error is what matters; a failed ROLLBACK on a broken connection adds nothing.
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Socket errors and pg's own timeouts carry no SQLSTATE; class 08, shutdowns and "too many connections" do. */
function isUnavailable(error: unknown): boolean {
  const state = sqlState(error);
  return state === undefined || state.startsWith('08') || state.startsWith('57P') || state === '53300';
}

function openFailed(error: unknown, target: string): StoreError {
  const state = sqlState(error);
  if (isUnavailable(error) || state === '3D000' || state?.startsWith('28')) {
    return new StoreError(
      'STORE_UNAVAILABLE',
      `cannot open PostgreSQL at ${target}: ${errorMessage(error)}; check storage.postgres.url (host, port, user, password, database) and that the server is running`,
      { cause: error },
    );
  }
  return new StoreError('STORE_FAILED', `cannot create the storage schema in PostgreSQL at ${target}: ${errorMessage(error)} (SQLSTATE ${state}); the user needs CREATE rights on the database`, { cause: error });
}

function queryFailed(error: unknown, op: string, target: string): StoreError {
  const state = sqlState(error);
  if (isUnavailable(error)) {
    return new StoreError('STORE_UNAVAILABLE', `PostgreSQL at ${target} failed during ${op}: ${errorMessage(error)}; the change may not have been applied — retry once the server is reachable`, { cause: error });
  }
  // 22P05: \u0000 in JSON text, which jsonb cannot hold; 54000: a value over PostgreSQL's size limits.
  if (state === '22P05' || state === '54000') {
    return new StoreError('STORE_INVALID', `PostgreSQL cannot store the value given to ${op}: ${errorMessage(error)}`, { cause: error });
  }
  return new StoreError('STORE_FAILED', `PostgreSQL refused ${op}: ${errorMessage(error)} (SQLSTATE ${state})`, { cause: error });
}
