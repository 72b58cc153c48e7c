// Keeps one process's record in etcd under a lease: grants the lease, puts the
// record, re-puts it when the load changes, and re-grants after a lost lease
// (etcd restart without data, long partition). It never blocks or stops its
// process: while etcd is away it retries in the background and logs once per
// state change. close() revokes the lease first so the key vanishes at once.
import type { Etcd3, Lease } from 'etcd3';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { encodeServiceRecord, serviceKey, type ServiceRecord } from './service-record.js';

export const LOAD_REFRESH_MS = 2_000;
const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 5_000;

export interface RegistrationOptions {
  client: Etcd3;
  prefix: string;
  leaseTtlS: number;
  /** Everything but `load`, which is read from `load()` at every refresh. */
  record: Omit<ServiceRecord, 'load'>;
  load: () => number;
  logger: Logger;
}

type State = 'registering' | 'registered' | 'retrying' | 'closed';

export class ServiceRegistration {
  readonly key: string;
  private state: State = 'registering';
  private lease: Lease | undefined;
  private lastPut: string | undefined;
  private retryMs = RETRY_MIN_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly refreshTimer: NodeJS.Timeout;
  private refreshing = false;
  private attempt: Promise<void> = Promise.resolve();

  constructor(private readonly options: RegistrationOptions) {
    this.key = serviceKey(options.prefix, options.record.service, options.record.id);
    this.refreshTimer = setInterval(() => void this.refreshLoad(), LOAD_REFRESH_MS).unref();
  }

  /** Makes the first attempt; resolves when it has succeeded or failed (then retries go on in the background). */
  start(): Promise<void> {
    this.attempt = this.register();
    return this.attempt;
  }

  get registered(): boolean {
    return this.state === 'registered';
  }

  /** Revokes the lease (deleting the key) and stops every timer. Safe to call twice. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearInterval(this.refreshTimer);
    clearTimeout(this.retryTimer);
    await this.attempt;
    const lease = this.lease;
    this.lease = undefined;
    if (!lease) return;
    try {
      await lease.revoke();
      this.options.logger.info({ event: 'registry_deregistered', key: this.key }, `removed ${this.key} from etcd`);
    } catch (error) {
      // Stopping must not fail because etcd is away; the lease TTL removes the key instead.
      this.options.logger.warn(
        { event: 'registry_deregister_failed', key: this.key, err: error },
        `could not remove ${this.key} from etcd (${errorMessage(error)}); it expires with its lease within ${this.options.leaseTtlS} s`,
      );
    }
  }

  private value(): string {
    return encodeServiceRecord({ ...this.options.record, load: this.options.load() });
  }

  private async register(): Promise<void> {
    const { client, leaseTtlS, logger } = this.options;
    const lease = client.lease(leaseTtlS);
    // The library reports a failed grant both as a rejection and as 'lost'; the generation check keeps one reaction.
    lease.on('lost', (error) => {
      if (this.lease === lease) this.onLeaseLost(error);
    });
    try {
      await lease.grant();
      const value = this.value();
      await lease.put(this.key).value(value).exec();
      if (this.state === 'closed') {
        await lease.revoke();
        return;
      }
      this.lease = lease;
      this.lastPut = value;
      this.retryMs = RETRY_MIN_MS;
      this.state = 'registered';
      logger.info({ event: 'registry_registered', key: this.key, lease_ttl_s: leaseTtlS }, `registered ${this.key} in etcd`);
    } catch (error) {
      lease.release();
      if (this.state === 'closed') return;
      this.scheduleRetry(error);
    }
  }

  private onLeaseLost(error: Error): void {
    this.lease = undefined;
    this.lastPut = undefined;
    if (this.state === 'closed') return;
    this.scheduleRetry(error);
  }

  private scheduleRetry(error: unknown): void {
    if (this.state !== 'retrying') {
      this.options.logger.warn(
        { event: 'registry_registration_failed', key: this.key, err: error },
        `cannot register ${this.key} in etcd (${errorMessage(error)}); serving anyway and retrying in the background — check registry.etcd.endpoints and that etcd is up`,
      );
    }
    this.state = 'retrying';
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.attempt = this.register();
    }, delay).unref();
  }

  /** Re-puts the record under the same lease when the load changed since the last put. */
  private async refreshLoad(): Promise<void> {
    const lease = this.lease;
    if (this.state !== 'registered' || !lease || this.refreshing) return;
    const value = this.value();
    if (value === this.lastPut) return;
    this.refreshing = true;
    try {
      await lease.put(this.key).value(value).exec();
      if (this.lease === lease) this.lastPut = value;
    } catch (error) {
      // A failed refresh is retried at the next tick; a dead lease arrives separately as 'lost'.
      this.options.logger.debug({ event: 'registry_refresh_failed', key: this.key, err: error }, `could not refresh ${this.key}: ${errorMessage(error)}`);
    } finally {
      this.refreshing = false;
    }
  }
}
