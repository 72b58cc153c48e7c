// LaresClient: the account HTTP API (register, login, guest, refresh, tokens)
// over fetch, so it runs in browsers and Node 18+. Results keep Lares's JSON
// field names; failures become LaresError with Lares's stable error code.
import { LaresError } from './errors.js';
import type { GateKey } from './handshake.js';

/** POST /v1/accounts/{register,login,guest}. */
export interface AccountSession {
  account_id: string;
  session: string;
  /** Unix ms. */
  session_expires_at: number;
}

/** POST /v1/sessions/refresh. */
export interface RefreshedSession {
  session: string;
  /** Unix ms. */
  session_expires_at: number;
}

/** POST /v1/tokens: what connectWithToken takes. */
export interface TokenGrant {
  /** Single-use: one handshake per token. */
  token: string;
  /** Unix ms. */
  token_expires_at: number;
  gates: { ws: string[]; tcp: string[] };
  gate_keys: GateKey[];
}

export interface LaresClientOptions {
  /** Default: the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Default 10000. */
  timeoutMs?: number;
}

export class LaresClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof globalThis.fetch;
  private readonly timeoutMs: number;

  /** `baseUrl` like `http://127.0.0.1:8001`. */
  constructor(baseUrl: string, options: LaresClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  register(username: string, password: string): Promise<AccountSession> {
    return this.post('/v1/accounts/register', { username, password });
  }

  login(username: string, password: string): Promise<AccountSession> {
    return this.post('/v1/accounts/login', { username, password });
  }

  /** Creates the device's guest account on first use, logs into it afterwards. */
  guest(deviceId: string): Promise<AccountSession> {
    return this.post('/v1/accounts/guest', { device_id: deviceId });
  }

  refresh(session: string): Promise<RefreshedSession> {
    return this.post('/v1/sessions/refresh', { session });
  }

  /** A single-use gate token plus the gates and gate keys to connect with. */
  issueToken(session: string, color?: string): Promise<TokenGrant> {
    return this.post('/v1/tokens', color === undefined ? { session } : { session, color });
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    const url = this.baseUrl + path;
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new LaresError(0, 'LARES_UNREACHABLE', `POST ${url} failed: ${(error as Error).message}; is Lares running at ${this.baseUrl}?`, undefined, { cause: error });
    }
    const text = await response.text();
    const json = parseJson(text);
    if (response.ok) {
      if (json === undefined) throw new LaresError(response.status, 'BAD_RESPONSE', `POST ${url} answered ${response.status} with a body that is not JSON`);
      return json as T;
    }
    const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const code = typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`;
    const message = typeof error?.message === 'string' ? error.message : `POST ${url} answered ${response.status}: ${text.slice(0, 200)}`;
    throw new LaresError(response.status, code, message, retryAfterSeconds(response.headers.get('retry-after')));
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // the caller reports a non-JSON body with the status it came with
  }
}

/** Retry-After is delta-seconds or an HTTP date. */
function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
