// LaresClient against a stand-in Lares HTTP server on a loopback port:
// request shapes, typed results, and LaresError for every way a call fails.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LaresError } from '../../src/sdk/errors.js';
import { LaresClient } from '../../src/sdk/lares.js';

interface Call {
  path: string;
  contentType: string | undefined;
  body: unknown;
}

const calls: Call[] = [];
let server: Server;
let baseUrl: string;

const grant = {
  token: 'tok',
  token_expires_at: 1_767_225_900_000,
  gates: { ws: ['ws://127.0.0.1:17100/ws'], tcp: ['127.0.0.1:17200'] },
  gate_keys: [{ key_id: 'gk-1', ed25519_pub: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }],
};

function respond(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
  const body = JSON.parse(raw) as Record<string, string>;
  calls.push({ path: req.url!, contentType: req.headers['content-type'], body });
  const session = { account_id: 'acc-1', session: 'sess-1', session_expires_at: 1_768_521_600_000 };
  switch (req.url) {
    case '/v1/accounts/register':
      return body.username === 'taken' ? respond(res, 409, { error: { code: 'USERNAME_TAKEN', message: 'username taken' } }) : respond(res, 201, session);
    case '/v1/accounts/login':
      return body.password === 'wrong'
        ? respond(res, 429, { error: { code: 'TOO_MANY_ATTEMPTS', message: 'try later' } }, { 'retry-after': '30' })
        : respond(res, 200, session);
    case '/v1/accounts/guest':
      return respond(res, 200, session);
    case '/v1/sessions/refresh':
      return respond(res, 200, { session: 'sess-2', session_expires_at: 1_768_608_000_000 });
    case '/v1/tokens':
      return respond(res, 200, grant);
    default:
      return respond(res, 502, '<html>bad gateway</html>');
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => handle(req, res, raw));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('LaresClient', () => {
  const lares = () => new LaresClient(baseUrl);

  it('registers, logs in, logs in as guest and refreshes with JSON bodies', async () => {
    calls.length = 0;
    expect(await lares().register('ann', 'pw-123456')).toEqual({ account_id: 'acc-1', session: 'sess-1', session_expires_at: 1_768_521_600_000 });
    await lares().login('ann', 'pw-123456');
    await lares().guest('device-9');
    expect(await lares().refresh('sess-1')).toEqual({ session: 'sess-2', session_expires_at: 1_768_608_000_000 });
    expect(calls).toEqual([
      { path: '/v1/accounts/register', contentType: 'application/json', body: { username: 'ann', password: 'pw-123456' } },
      { path: '/v1/accounts/login', contentType: 'application/json', body: { username: 'ann', password: 'pw-123456' } },
      { path: '/v1/accounts/guest', contentType: 'application/json', body: { device_id: 'device-9' } },
      { path: '/v1/sessions/refresh', contentType: 'application/json', body: { session: 'sess-1' } },
    ]);
  });

  it('issues tokens, sending color only when given', async () => {
    calls.length = 0;
    expect(await lares().issueToken('sess-1')).toEqual(grant);
    await lares().issueToken('sess-1', 'blue');
    expect(calls.map((c) => c.body)).toEqual([{ session: 'sess-1' }, { session: 'sess-1', color: 'blue' }]);
  });

  it('turns an error body into LaresError with status and code', async () => {
    const error = await lares().register('taken', 'pw-123456').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LaresError);
    expect(error).toMatchObject({ status: 409, code: 'USERNAME_TAKEN', message: 'username taken', retryAfterSeconds: undefined });
  });

  it('carries Retry-After on a throttled login', async () => {
    await expect(lares().login('ann', 'wrong')).rejects.toMatchObject({ status: 429, code: 'TOO_MANY_ATTEMPTS', retryAfterSeconds: 30 });
  });

  it('reports a non-JSON error body with an HTTP_<status> code', async () => {
    const client = new LaresClient(`${baseUrl}nowhere`);
    await expect(client.refresh('s')).rejects.toMatchObject({ status: 502, code: 'HTTP_502' });
  });

  it('reports an unreachable Lares with status 0', async () => {
    const client = new LaresClient('http://127.0.0.1:1');
    await expect(client.guest('d')).rejects.toMatchObject({ name: 'LaresError', status: 0, code: 'LARES_UNREACHABLE' });
  });

  it('uses an injected fetch', async () => {
    const seen: string[] = [];
    const fetch: typeof globalThis.fetch = async (input) => {
      seen.push(String(input));
      return new Response(JSON.stringify(grant), { status: 200 });
    };
    await new LaresClient('https://lares.example/', { fetch }).issueToken('s');
    expect(seen).toEqual(['https://lares.example/v1/tokens']);
  });
});
