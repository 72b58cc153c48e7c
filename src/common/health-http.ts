// A minimal HTTP server for liveness (GET /health) and small JSON admin
// routes, on node:http. Used by the processes that do not otherwise speak HTTP.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** A route's answer when it is not "200 with this JSON": another status, or text (e.g. Prometheus metrics). */
export class HttpReply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    /** Set for a text body (a string), sent as is; otherwise the body is JSON. */
    readonly contentType?: string,
  ) {}
}

/** Returns the JSON body of a 200, or an HttpReply. */
export type JsonRoute = (request: IncomingMessage) => unknown | Promise<unknown>;

export interface AdminHttpServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function startAdminHttp(host: string, port: number, routes: Record<string, JsonRoute>): Promise<AdminHttpServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const route = request.method === 'GET' ? routes[path] : undefined;
    if (!route) {
      sendJson(response, 404, { error: { code: 'NOT_FOUND', message: `no route ${request.method} ${path}; try GET ${Object.keys(routes).join(', GET ')}` } });
      return;
    }
    Promise.resolve()
      .then(() => route(request))
      .then((body) => sendReply(response, body instanceof HttpReply ? body : new HttpReply(200, body)))
      .catch((error: unknown) => sendJson(response, 500, { error: { code: 'INTERNAL', message: (error as Error).message } }));
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (error) => reject(new Error(`cannot listen for HTTP on ${host}:${port}: ${error.message}`)));
    server.listen(port, host, () => resolveListen());
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}

function sendReply(response: ServerResponse, reply: HttpReply): void {
  if (reply.contentType === undefined) sendJson(response, reply.status, reply.body);
  else sendText(response, reply.status, String(reply.body), reply.contentType);
}

export function sendText(response: ServerResponse, status: number, text: string, contentType: string): void {
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}
