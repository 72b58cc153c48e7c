// One MongoClient per store plus what every MongoDB adapter shares: bigints
// read back as bigint (useBigInt64; they are written as int64), counters via
// findOneAndUpdate($inc, upsert), and driver errors turned into StoreErrors.
import {
  MongoClient,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Collection,
  type Db,
} from 'mongodb';
import { errorMessage } from '../../common/errors.js';
import { redactUrl, StoreError, storeClosed } from '../errors.js';

export interface MongoOptions {
  url: string;
  database: string;
  /** Names the store in messages, e.g. "the MongoDB player store". */
  what: string;
  /** Creates the store's indexes (idempotent: createIndex on an existing index is a no-op). */
  prepare(db: Db): Promise<unknown>;
}

interface CounterDoc {
  _id: string;
  value: bigint;
}

const SERVER_SELECTION_TIMEOUT_MS = 5_000;

export class MongoConnection {
  private closed = false;
  private readonly counters: Collection<CounterDoc>;

  private constructor(
    private readonly client: MongoClient,
    readonly db: Db,
    private readonly target: string,
    private readonly what: string,
  ) {
    this.counters = db.collection<CounterDoc>('counters');
  }

  static async open(options: MongoOptions): Promise<MongoConnection> {
    const target = redactUrl(options.url);
    let client: MongoClient | undefined;
    try {
      client = new MongoClient(options.url, { useBigInt64: true, serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS, appName: 'pantheon' });
      await client.connect();
      await client.db(options.database).command({ ping: 1 });
    } catch (error) {
      await client?.close();
      throw new StoreError(
        'STORE_UNAVAILABLE',
        `cannot connect to MongoDB at ${target}: ${errorMessage(error)}; check storage.mongodb.url and that the server is running`,
        { cause: error },
      );
    }
    const connection = new MongoConnection(client, client.db(options.database), target, options.what);
    try {
      await connection.run('open (creating indexes)', () => options.prepare(connection.db));
    } catch (error) {
      await connection.close();
      throw error;
    }
    return connection;
  }

  /** Runs one store operation; `op` names it in errors. */
  async run<T>(op: string, body: () => Promise<T>): Promise<T> {
    if (this.closed) throw storeClosed(this.what);
    try {
      return await body();
    } catch (error) {
      throw operationFailed(error, op, this.target);
    }
  }

  /** The next value of a named counter, `first` on its first use; atomic across every client. */
  async nextCounter(name: string, first: bigint): Promise<bigint> {
    // An upsert racing another on the same _id is retried by the server (MongoDB 4.2+), so no duplicate-key error here.
    const counter = await this.counters.findOneAndUpdate({ _id: name }, { $inc: { value: 1n } }, { upsert: true, returnDocument: 'after' });
    if (counter === null) throw new StoreError('STORE_FAILED', `MongoDB returned no document for counter ${name} after an upsert`);
    return first + toBigInt(counter.value) - 1n;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }
}

export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === 11000;
}

/** int64 reads back as bigint, but an int32 or double written by hand (or by $inc on one) stays a number. */
export function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new StoreError('STORE_CORRUPT', `expected an integer id in MongoDB, found ${String(value)}`);
}

function operationFailed(error: unknown, op: string, target: string): StoreError {
  if (error instanceof StoreError) return error;
  const unreachable =
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoNotConnectedError;
  if (unreachable) {
    return new StoreError('STORE_UNAVAILABLE', `MongoDB at ${target} failed during ${op}: ${errorMessage(error)}; the change may not have been applied — retry once the server is reachable`, { cause: error });
  }
  return new StoreError('STORE_FAILED', `MongoDB refused ${op}: ${errorMessage(error)}`, { cause: error });
}
