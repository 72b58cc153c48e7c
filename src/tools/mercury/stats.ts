// What Mercury measured: per-action latency histograms and counts, errors by
// kind, and the connected/active gauges the progress line shows. Recording is
// on every request, so it only bumps counters (no per-sample allocation).
import { GameResult } from '../../gen/pantheon/game/v1/common.js';
import { HandshakeErrorCode } from '../../gen/pantheon/client/v1/handshake.js';
import { PacketCode } from '../../gen/pantheon/client/v1/packet.js';
import { RoomResult } from '../../gen/pantheon/game/v1/room.js';
import { ConnectionClosedError, HandshakeFailedError, LaresError, RequestError, RequestTimeoutError } from '../../sdk/node.js';

/** A reply that arrived but said no (non-zero GameResult or RoomResult). */
export class ResultCodeError extends Error {
  override readonly name = 'ResultCodeError';

  constructor(
    readonly kind: string,
    action: string,
  ) {
    super(`${action} answered ${kind}`);
  }
}

export function gameResultError(action: string, result: number): ResultCodeError {
  return new ResultCodeError(`game ${GameResult[result] ?? result}`, action);
}

export function roomResultError(action: string, result: number): ResultCodeError {
  return new ResultCodeError(`room ${RoomResult[result] ?? result}`, action);
}

/** A stable, countable name for what went wrong. */
export function errorKind(error: unknown): string {
  if (error instanceof ResultCodeError) return error.kind;
  if (error instanceof LaresError) return `http ${error.status} ${error.code}`;
  if (error instanceof HandshakeFailedError) return `handshake ${error.code}${error.serverCode === undefined ? '' : ` ${HandshakeErrorCode[error.serverCode] ?? error.serverCode}`}`;
  if (error instanceof RequestError) return `packet ${PacketCode[error.code] ?? error.code}`;
  if (error instanceof RequestTimeoutError) return 'request timeout';
  if (error instanceof ConnectionClosedError) return `closed ${error.code}`;
  return `error ${(error as Error).name ?? 'unknown'}: ${(error as Error).message ?? String(error)}`;
}

/** Log-bucketed latency histogram: 8 buckets per power of two (about 9% wide), microsecond input. */
export class LatencyHistogram {
  private readonly buckets = new Uint32Array(8 * 32);
  count = 0;
  maxUs = 0;

  record(us: number): void {
    const index = us < 1 ? 0 : Math.min(this.buckets.length - 1, Math.floor(Math.log2(us) * 8));
    this.buckets[index]++;
    this.count++;
    if (us > this.maxUs) this.maxUs = us;
  }

  /** The upper edge of the bucket holding the p-th percentile, in ms (capped at the max seen). */
  percentileMs(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i];
      if (seen >= rank) return Math.min(2 ** ((i + 1) / 8), this.maxUs) / 1000;
    }
    return this.maxUs / 1000;
  }

  reset(): void {
    this.buckets.fill(0);
    this.count = 0;
    this.maxUs = 0;
  }
}

export interface ActionStats {
  ok: number;
  failed: number;
  latency: LatencyHistogram;
}

export class Stats {
  readonly actions = new Map<string, ActionStats>();
  readonly errors = new Map<string, number>();
  /** Every request in the current progress second, for its requests/s and p99. */
  readonly window = new LatencyHistogram();
  connected = 0;
  active = 0;
  requests = 0;
  errorCount = 0;

  recordOk(action: string, us: number): void {
    const stats = this.action(action);
    stats.ok++;
    stats.latency.record(us);
    this.window.record(us);
    this.requests++;
  }

  recordFailed(action: string, us: number): void {
    const stats = this.action(action);
    stats.failed++;
    stats.latency.record(us);
    this.window.record(us);
    this.requests++;
  }

  recordError(kind: string): void {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
    this.errorCount++;
  }

  private action(name: string): ActionStats {
    let stats = this.actions.get(name);
    if (!stats) this.actions.set(name, (stats = { ok: 0, failed: 0, latency: new LatencyHistogram() }));
    return stats;
  }
}
