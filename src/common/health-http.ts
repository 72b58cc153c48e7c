// A minimal HTTP server for liveness (GET /health) and small JSON admin
// routes, on node:http. Used by the processes that do not otherwise speak HTTP.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

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
      .then((body) => sendJson(response, 200, body))
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

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}
