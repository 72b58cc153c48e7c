// Keeps this gate's player -> gate records (src/routing/player-locator.ts) in
// step with its SessionDirectory: written when an account's session opens,
// trimmed or removed when one closes, refreshed every third of their TTL.
// Failures are counted and logged once per outage; the periodic refresh
// repairs whatever an outage left behind.
import type { Logger } from '../common/logger.js';
import { RedisHealth, type RedisHealthStats } from '../common/redis.js';
import type { GateSession } from '../gen/pantheon/gate/v1/admin.js';
import type { PlayerLocator, PlayerPresence } from '../routing/player-locator.js';
import type { SessionDirectory, SessionListener } from './session-directory.js';

export interface PlayerRecordsOptions {
  gateId: string;
  locator: PlayerLocator;
  directory: SessionDirectory;
  ttlMs: number;
  logger: Logger;
}

export class PlayerRecords implements SessionListener {
  private readonly health: RedisHealth;
  private timer: NodeJS.Timeout | null = null;
  private unlisten: () => void = () => {};

  constructor(private readonly options: PlayerRecordsOptions) {
    this.health = new RedisHealth(options.logger, 'player_records', 'pushes may not find players of this gate until the next refresh succeeds');
  }

  start(): void {
    this.unlisten = this.options.directory.listen(this);
    this.timer = setInterval(() => void this.refresh(), Math.max(1, Math.floor(this.options.ttlMs / 3)));
    this.timer.unref();
  }

  opened(session: GateSession): void {
    this.track(this.options.locator.recordOpened(this.options.gateId, this.presenceOf(session.accountId)));
  }

  removed(session: GateSession): void {
    this.track(this.options.locator.recordClosed(this.options.gateId, this.presenceOf(session.accountId)));
  }

  async refresh(): Promise<void> {
    const present = this.options.directory.accountIds().map((accountId) => this.presenceOf(accountId));
    await this.track(this.options.locator.refresh(this.options.gateId, present));
  }

  stats(): RedisHealthStats {
    return this.health.stats();
  }

  stop(): void {
    this.unlisten();
    if (this.timer) clearInterval(this.timer);
  }

  private presenceOf(accountId: bigint): PlayerPresence {
    return { accountId, sessionIds: this.options.directory.sessionsOf(accountId).map((session) => Buffer.from(session.sessionId).toString('hex')) };
  }

  private track(call: Promise<void>): Promise<void> {
    return call.then(
      () => this.health.succeeded(),
      (error: unknown) => this.health.failed(error),
    );
  }
}
