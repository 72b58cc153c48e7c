// A live view of one service's records in etcd: list the prefix, then watch it
// from the listed revision. When etcd goes away the last view is kept, the
// change is logged once, and a background loop re-lists and re-watches with
// backoff, so changes missed during the outage (or compacted away) are seen.
import type { Etcd3, IKeyValue, Watcher } from 'etcd3';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { parseServiceRecord, servicePrefix, type ServiceName, type ServiceRecord } from './service-record.js';

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;
const CANCEL_WAIT_MS = 1_000;

export interface WatcherHealth {
  connected: boolean;
  /** Why the last attempt failed; "" while connected. */
  last_error: string;
  /** When the view last changed (ms since the epoch); 0 = never. */
  last_change_ms: number;
  instances: number;
}

export interface ServiceWatcherOptions {
  client: Etcd3;
  prefix: string;
  service: ServiceName;
  /** How long the list and the watch set-up may take before the attempt counts as failed. */
  connectTimeoutMs: number;
  logger: Logger;
}

export class ServiceWatcher {
  private readonly records = new Map<string, ServiceRecord>();
  private readonly listeners = new Set<(records: ServiceRecord[]) => void>();
  private readonly watchPrefix: string;
  private watcher: Watcher | undefined;
  private connected = false;
  private closed = false;
  private lastError = 'not connected yet';
  private lastChangeMs = 0;
  private retryMs = RETRY_MIN_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt: Promise<void> = Promise.resolve();
  /** A warning is logged on the first failure after being connected (or at start), not on every retry. */
  private failureLogged = false;

  constructor(private readonly options: ServiceWatcherOptions) {
    this.watchPrefix = servicePrefix(options.prefix, options.service);
  }

  /** Makes the first attempt; resolves when it has succeeded or failed (then retries go on in the background). */
  start(): Promise<void> {
    this.attempt = this.sync();
    return this.attempt;
  }

  list(): ServiceRecord[] {
    return [...this.records.values()];
  }

  onChange(listener: (records: ServiceRecord[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  health(): WatcherHealth {
    return { connected: this.connected, last_error: this.connected ? '' : this.lastError, last_change_ms: this.lastChangeMs, instances: this.records.size };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.attempt;
    await this.dropWatcher();
    this.listeners.clear();
  }

  /** One attempt: list, replace the view, and watch from just after the listed revision. */
  private async sync(): Promise<void> {
    const { client, logger } = this.options;
    try {
      const listed = await client.getAll().prefix(this.watchPrefix).exec();
      if (this.closed) return;
      const fresh = new Map<string, ServiceRecord>();
      for (const kv of listed.kvs) {
        const record = this.parse(kv);
        if (record) fresh.set(kv.key.toString(), record);
      }
      this.replaceView(fresh);

      const watcher = client.watch().prefix(this.watchPrefix).startRevision(String(BigInt(listed.header.revision) + 1n)).watcher();
      this.watcher = watcher;
      watcher.on('put', (kv) => this.onPut(kv));
      watcher.on('delete', (kv) => this.onDelete(kv));
      await this.connectedOrFailed(watcher);
      if (this.closed || this.watcher !== watcher) return;
      // The library emits 'disconnected' twice per broken stream (error, then end) and would
      // resume on its own; we cancel and re-list instead, so the first event is enough.
      watcher.on('disconnected', (error) => this.onWatchLost(watcher, error));
      watcher.on('error', (error) => this.onWatchLost(watcher, error));
      this.connected = true;
      this.retryMs = RETRY_MIN_MS;
      this.failureLogged = false;
      logger.info({ event: 'registry_connected', prefix: this.watchPrefix, instances: this.records.size }, `watching ${this.watchPrefix} in etcd (${this.records.size} instances)`);
    } catch (error) {
      if (this.closed) return;
      await this.dropWatcher();
      this.onFailure(error);
    }
  }

  private connectedOrFailed(watcher: Watcher): Promise<void> {
    return new Promise<void>((resolveConnected, reject) => {
      const timeoutMs = this.options.connectTimeoutMs;
      const timer = setTimeout(() => settle(new Error(`the etcd watch on ${this.watchPrefix} was not established within ${timeoutMs} ms`)), timeoutMs);
      const settle = (error?: Error) => {
        clearTimeout(timer);
        watcher.off('connected', onConnected).off('disconnected', settle).off('error', settle);
        if (error) reject(error);
        else resolveConnected();
      };
      const onConnected = () => settle();
      watcher.on('connected', onConnected).on('disconnected', settle).on('error', settle);
    });
  }

  private onWatchLost(watcher: Watcher, error: Error): void {
    if (this.closed || this.watcher !== watcher) return;
    this.connected = false;
    void this.dropWatcher();
    this.onFailure(error);
  }

  private onFailure(error: unknown): void {
    this.connected = false;
    this.lastError = errorMessage(error);
    if (!this.failureLogged) {
      this.failureLogged = true;
      this.options.logger.warn(
        { event: 'registry_disconnected', prefix: this.watchPrefix, instances: this.records.size, err: error },
        `cannot watch ${this.watchPrefix} in etcd (${this.lastError}); keeping the last known ${this.records.size} instances and reconnecting in the background — check registry.etcd.endpoints and that etcd is up`,
      );
    }
    if (this.retryTimer) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.closed) this.attempt = this.sync();
    }, delay).unref();
  }

  /** Cancels the current watch; bounded, because cancelling on a hung stream may never be answered. */
  private async dropWatcher(): Promise<void> {
    const watcher = this.watcher;
    this.watcher = undefined;
    if (!watcher) return;
    watcher.removeAllListeners();
    // An EventEmitter throws an 'error' nobody listens to; this watcher's late errors no longer matter.
    watcher.on('error', () => {});
    let timer: NodeJS.Timeout | undefined;
    const cancelled = watcher.cancel().catch((error: unknown) => {
      // Cancelling a watch on a dead stream can fail; the stream is gone with it either way.
      this.options.logger.debug({ event: 'registry_watch_cancel_failed', err: error }, 'could not cancel an etcd watch');
    });
    await Promise.race([cancelled, new Promise<void>((resolveLater) => (timer = setTimeout(resolveLater, CANCEL_WAIT_MS)))]);
    clearTimeout(timer);
  }

  private parse(kv: IKeyValue): ServiceRecord | undefined {
    const key = kv.key.toString();
    const parsed = parseServiceRecord(this.options.prefix, key, kv.value.toString());
    if (parsed.ok) return parsed.record;
    this.options.logger.warn({ event: 'registry_record_invalid', key, error: parsed.error }, `ignoring ${key}: ${parsed.error}`);
    return undefined;
  }

  private onPut(kv: IKeyValue): void {
    const key = kv.key.toString();
    const record = this.parse(kv);
    // An invalid value replacing a valid one removes the instance: its old record is no longer what etcd says.
    if (record) this.records.set(key, record);
    else if (!this.records.delete(key)) return;
    this.changed();
  }

  private onDelete(kv: IKeyValue): void {
    if (this.records.delete(kv.key.toString())) this.changed();
  }

  private replaceView(fresh: Map<string, ServiceRecord>): void {
    const same = fresh.size === this.records.size && [...fresh].every(([key, record]) => JSON.stringify(this.records.get(key)) === JSON.stringify(record));
    this.records.clear();
    for (const [key, record] of fresh) this.records.set(key, record);
    if (!same || this.lastChangeMs === 0) this.changed();
  }

  private changed(): void {
    this.lastChangeMs = Date.now();
    const view = this.list();
    for (const listener of this.listeners) {
      try {
        listener(view);
      } catch (error) {
        // One broken listener must not stop the others or the watch.
        this.options.logger.error({ event: 'registry_listener_failed', err: error }, `a registry listener threw: ${errorMessage(error)}`);
      }
    }
  }
}
