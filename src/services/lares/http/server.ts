// The Lares HTTP transport on node:http: picks the route for a method and
// path, reads the JSON body within limits, and turns results and coded errors
// into JSON responses. All account logic lives behind the routes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { sendJson, sendText } from '../../../common/health-http.js';
import type { Logger } from '../../../common/logger.js';
import { UNMATCHED_ROUTE, type LaresMetrics } from '../lares-metrics.js';
import { readJsonObject } from './body.js';
import { HttpError, sendError } from './errors.js';
import type { Route } from './routes.js';

export interface LaresHttpOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  routes: Route[];
  logger: Logger;
  /** Counts every request by route and status. */
  metrics?: LaresMetrics;
}

export interface LaresHttpServer {
  port: number;
  /** Stops accepting, lets in-flight requests finish for `graceMs`, then cuts every connection. */
  close(graceMs?: number): Promise<void>;
}

type RouteTable = Map<string, Map<string, Route>>;

export async function startLaresHttp(options: LaresHttpOptions): Promise<LaresHttpServer> {
  const table = routeTable(options.routes);
  const server = createServer((request, response) => void serve(request, response, table, options));
  server.keepAliveTimeout = 5_000;
  // A slow client must not hold a connection (and a body buffer) for node's default five minutes.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  await listen(server, options.host, options.port);
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: (graceMs = 2_000) => closeServer(server, graceMs),
  };
}

async function serve(request: IncomingMessage, response: ServerResponse, table: RouteTable, options: LaresHttpOptions): Promise<void> {
  const started = performance.now();
  const path = pathOf(request.url);
  try {
    const route = routeFor(table, request.method ?? '', path);
    const body = route.readsBody ? await readJsonObject(request, options.maxBodyBytes) : {};
    // Lares is reached directly in the embedded layout, so the socket address is the client; no proxy headers are trusted.
    const result = await route.handle({ body, ip: request.socket.remoteAddress ?? 'unknown' });
    if (result.contentType === undefined) sendJson(response, result.status, result.body);
    else sendText(response, result.status, String(result.body), result.contentType);
  } catch (error) {
    sendError(request, response, error, options.logger);
  }
  const route = table.has(path) ? path : UNMATCHED_ROUTE;
  options.metrics?.requestServed(route, request.method ?? '', response.statusCode, (performance.now() - started) / 1000);
}


function routeTable(routes: Route[]): RouteTable {
  const table: RouteTable = new Map();
  for (const route of routes) {
    const methods = table.get(route.path) ?? new Map<string, Route>();
    methods.set(route.method, route);
    table.set(route.path, methods);
  }
  return table;
}

function routeFor(table: RouteTable, method: string, path: string): Route {
  const methods = table.get(path);
  if (!methods) throw new HttpError(404, 'NOT_FOUND', `no route for ${path}; Lares serves ${[...table.keys()].join(', ')}`);
  const route = methods.get(method);
  if (route) return route;
  const allowed = [...methods.keys()].join(', ');
  throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${path} accepts ${allowed}, not ${method}`, { allow: allowed });
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  return query < 0 ? raw : raw.slice(0, query);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolveListen, reject) => {
    server.once('error', (error) => reject(new Error(`cannot listen for HTTP on ${host}:${port}: ${error.message}`)));
    server.listen(port, host, () => resolveListen());
  });
}

function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolveClose) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(force);
      resolveClose();
    });
    // Idle keep-alive sockets would otherwise hold close() open until they time out.
    server.closeIdleConnections();
  });
}
