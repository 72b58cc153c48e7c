// GET /metrics for Lares: HTTP requests by route and status, registrations,
// logins by method and result, tokens issued, and the default process
// metrics. The HTTP server reports every request; the routes report the
// account outcomes, so the domain layer (biz/) stays free of metrics.
import { Counter, Histogram, type Registry } from 'prom-client';
import { PantheonError } from '../../common/errors.js';
import { LATENCY_BUCKETS_SECONDS } from '../../common/latency-buckets.js';
import { createMetricsRegistry } from '../../common/metrics.js';

export type LoginMethod = 'password' | 'guest';

/** Paths outside the route table share one label, so scanners cannot grow the series. */
export const UNMATCHED_ROUTE = 'unmatched';

/** "ok", or the refusal's code in lower case ("unauthorized", "throttled", ...); "error" for anything uncoded. */
export function outcomeLabel(error?: unknown): string {
  if (error === undefined) return 'ok';
  return error instanceof PantheonError ? error.code.toLowerCase() : 'error';
}

export class LaresMetrics {
  readonly registry: Registry;
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly duration: Histogram<'route'>;
  private readonly registrations: Counter<'result'>;
  private readonly logins: Counter<'method' | 'result'>;
  private readonly tokens: Counter;

  constructor() {
    this.registry = createMetricsRegistry();
    const registers = [this.registry];
    this.requests = new Counter({ name: 'pantheon_lares_http_requests_total', help: 'HTTP requests by route, method and status.', labelNames: ['route', 'method', 'status'], registers });
    this.duration = new Histogram({ name: 'pantheon_lares_http_request_duration_seconds', help: 'HTTP request handling time by route.', labelNames: ['route'], buckets: [...LATENCY_BUCKETS_SECONDS], registers });
    this.registrations = new Counter({ name: 'pantheon_lares_registrations_total', help: 'Account registrations by result (ok, bad_request, username_taken, ...).', labelNames: ['result'], registers });
    this.logins = new Counter({ name: 'pantheon_lares_logins_total', help: 'Logins by method (password, guest) and result (ok, unauthorized, throttled, ...).', labelNames: ['method', 'result'], registers });
    this.tokens = new Counter({ name: 'pantheon_lares_tokens_issued_total', help: 'Gate tokens issued.', registers });
    this.logins.inc({ method: 'password', result: 'ok' }, 0);
    this.registrations.inc({ result: 'ok' }, 0);
  }

  requestServed(route: string, method: string, status: number, seconds: number): void {
    this.requests.inc({ route, method, status });
    this.duration.observe({ route }, seconds);
  }

  registered(result: string): void {
    this.registrations.inc({ result });
  }

  loggedIn(method: LoginMethod, result: string): void {
    this.logins.inc({ method, result });
  }

  tokenIssued(): void {
    this.tokens.inc();
  }

  /** Runs one account operation and counts its outcome; errors are rethrown unchanged. */
  async counted<T>(operation: () => Promise<T>, count: (result: string) => void): Promise<T> {
    try {
      const value = await operation();
      count(outcomeLabel());
      return value;
    } catch (error) {
      count(outcomeLabel(error));
      throw error;
    }
  }
}
