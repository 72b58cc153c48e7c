// The Lares HTTP API: which method and path run which use case, and the JSON
// shape of each answer. Handlers validate through biz/validation and never
// touch storage directly.
import type { Accounts, LoggedIn } from '../biz/accounts.js';
import type { Sessions } from '../biz/sessions.js';
import type { Tokens } from '../biz/tokens.js';
import { parseColor, parseCredentials, parseDeviceId, parseSession, type JsonObject } from '../biz/validation.js';
import type { LaresMetrics } from '../lares-metrics.js';

export interface RouteRequest {
  body: JsonObject;
  /** The client address, for per-IP throttling. */
  ip: string;
}

export interface RouteResponse {
  status: number;
  body: unknown;
  /** Set for a text body (a string) sent as is, e.g. Prometheus metrics; otherwise the body is JSON. */
  contentType?: string;
}

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  readsBody: boolean;
  handle(request: RouteRequest): Promise<RouteResponse>;
}

export interface LaresServices {
  accounts: Accounts;
  sessions: Sessions;
  tokens: Tokens;
  metrics: LaresMetrics;
}

export function laresRoutes({ accounts, sessions, tokens, metrics }: LaresServices): Route[] {
  return [
    post('/v1/accounts/register', async ({ body }) =>
      loggedIn(201, await metrics.counted(() => accounts.register(parseCredentials(body)), (result) => metrics.registered(result))),
    ),
    post('/v1/accounts/login', async ({ body, ip }) =>
      loggedIn(200, await metrics.counted(() => accounts.login(parseCredentials(body), ip), (result) => metrics.loggedIn('password', result))),
    ),
    post('/v1/accounts/guest', async ({ body }) =>
      loggedIn(200, await metrics.counted(() => accounts.loginGuest(parseDeviceId(body)), (result) => metrics.loggedIn('guest', result))),
    ),
    post('/v1/sessions/refresh', async ({ body }) => {
      const issued = await sessions.refresh(parseSession(body));
      return { status: 200, body: { session: issued.session, session_expires_at: issued.expiresAtMs } };
    }),
    post('/v1/tokens', async ({ body }) => {
      // Parse both fields before any lookup, so a bad colour is a 400 even with a dead session.
      const session = parseSession(body);
      const issued = await tokens.issue(session, parseColor(body));
      metrics.tokenIssued();
      return {
        status: 200,
        body: {
          token: issued.token,
          token_expires_at: issued.expiresAtMs,
          gates: { ws: issued.gates.ws, tcp: issued.gates.tcp },
          gate_keys: issued.gateKeys.map((key) => ({ key_id: key.keyId, ed25519_pub: key.publicRaw.toString('base64') })),
        },
      };
    }),
    { method: 'GET', path: '/health', readsBody: false, handle: async () => ({ status: 200, body: { status: 'ok' } }) },
    {
      method: 'GET',
      path: '/metrics',
      readsBody: false,
      handle: async () => ({ status: 200, body: await metrics.registry.metrics(), contentType: metrics.registry.contentType }),
    },
  ];
}

function post(path: string, handle: Route['handle']): Route {
  return { method: 'POST', path, readsBody: true, handle };
}

function loggedIn(status: number, result: LoggedIn): RouteResponse {
  return { status, body: { account_id: result.accountId.toString(), session: result.session, session_expires_at: result.expiresAtMs } };
}
