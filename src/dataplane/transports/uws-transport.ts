// WebSocket transport on uWebSockets.js. Every data-plane worker runs its own
// uWS App listening on the same port (uWS sets SO_REUSEPORT), so the kernel
// spreads connections across workers without the control plane touching them.
import { createRequire } from 'node:module';
import type { ClientConnection, CloseReason, ConnectionAcceptor, ConnectionSink, Transport } from './transport.js';

// The package is CommonJS with a native binding; createRequire keeps ESM happy.
const uWS = createRequire(import.meta.url)('@trufflesuite/uws-js-unofficial') as typeof import('@trufflesuite/uws-js-unofficial');
type WebSocket = import('@trufflesuite/uws-js-unofficial').WebSocket<WsUserData>;
type TemplatedApp = import('@trufflesuite/uws-js-unofficial').TemplatedApp;
type ListenSocket = import('@trufflesuite/uws-js-unofficial').us_listen_socket;

const CLOSE_CODES: Record<CloseReason, number> = {
  normal: 1000,
  going_away: 1001,
  protocol_error: 1002,
  unsupported_data: 1003,
  too_big: 1009,
  overloaded: 1013,
  slow_consumer: 1008,
};

/** Messages between max_frame_bytes and this get a clean 1009; larger ones are cut off by uWS. */
export function uwsHardLimit(maxFrameBytes: number): number {
  return Math.min(64 * 1024 * 1024, Math.max(4 * maxFrameBytes, 1024 * 1024));
}

interface WsUserData {
  remoteAddress: string;
  connection?: UwsConnection;
  sink?: ConnectionSink;
}

export interface UwsTransportOptions {
  host: string;
  port: number;
  path: string;
  maxFrameBytes: number;
  /** Per-connection send buffer above which uWS stops queueing (slow consumers). */
  maxBackpressureBytes: number;
}

class UwsConnection implements ClientConnection {
  readonly transport = 'ws' as const;
  closed = false;
  shedding = false;

  constructor(private readonly socket: WebSocket, readonly remoteAddress: string) {}

  send(body: Uint8Array): boolean {
    if (this.closed) return false;
    this.socket.send(body, true, false);
    return true;
  }

  close(reason: CloseReason, detail = ''): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end(CLOSE_CODES[reason], detail.slice(0, 120));
  }

  bufferedBytes(): number {
    return this.closed ? 0 : this.socket.getBufferedAmount();
  }

  pauseReading(): void {
    this.shedding = true;
  }

  resumeReading(): void {
    this.shedding = false;
  }
}

export class UwsTransport implements Transport {
  readonly name = 'ws' as const;
  private app: TemplatedApp | null = null;
  private listenSocket: ListenSocket | null = null;
  private readonly sockets = new Set<WebSocket>();

  constructor(private readonly options: UwsTransportOptions) {}

  start(acceptor: ConnectionAcceptor): Promise<string> {
    const { host, port, path, maxFrameBytes, maxBackpressureBytes } = this.options;
    const app = uWS.App();
    this.app = app;
    app.ws<WsUserData>(path, {
      compression: uWS.DISABLED,
      // uWS drops a connection over its own limit without a close frame, so
      // its limit sits above ours and we close with 1009 ourselves.
      maxPayloadLength: uwsHardLimit(maxFrameBytes),
      maxBackpressure: maxBackpressureBytes,
      idleTimeout: 0, // liveness is PANTHEON/1 heartbeats, swept by the worker's buckets
      sendPingsAutomatically: false,
      upgrade: (res, req, context) => {
        const remoteAddress = Buffer.from(res.getRemoteAddressAsText()).toString();
        res.upgrade<WsUserData>(
          { remoteAddress },
          req.getHeader('sec-websocket-key'),
          req.getHeader('sec-websocket-protocol'),
          req.getHeader('sec-websocket-extensions'),
          context,
        );
      },
      open: (socket) => {
        const data = socket.getUserData();
        const connection = new UwsConnection(socket, data.remoteAddress);
        data.connection = connection;
        this.sockets.add(socket);
        data.sink = acceptor.accept(connection);
      },
      message: (socket, message, isBinary) => {
        const data = socket.getUserData();
        if (!isBinary) {
          data.connection?.close('unsupported_data', 'PANTHEON/1 uses binary messages only');
          return;
        }
        if (message.byteLength > maxFrameBytes) {
          data.connection?.close('too_big', `messages are limited to ${maxFrameBytes} bytes`);
          return;
        }
        data.sink?.onBody(new Uint8Array(message));
      },
      close: (socket) => {
        const data = socket.getUserData();
        this.sockets.delete(socket);
        if (data.connection) data.connection.closed = true;
        data.sink?.onClosed();
      },
    });
    app.any('/*', (res) => {
      res.writeStatus('404 Not Found').end(`PANTHEON/1 WebSocket endpoint is ${path}`);
    });
    return new Promise((resolveStart, reject) => {
      app.listen(host, port, (listenSocket) => {
        if (!listenSocket) {
          reject(new Error(`cannot listen for WebSocket on ${host}:${port}`));
          return;
        }
        this.listenSocket = listenSocket;
        resolveStart(`ws://${host}:${uWS.us_socket_local_port(listenSocket)}${path}`);
      });
    });
  }

  stopAccepting(): void {
    if (this.listenSocket) uWS.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
  }

  close(): void {
    this.stopAccepting();
    for (const socket of [...this.sockets]) socket.getUserData().connection?.close('going_away', 'gate stopping');
    // close() exists at run time but is missing from the package's types. A
    // worker that exits with an open App aborts the whole process.
    (this.app as unknown as { close?: () => void } | null)?.close?.();
    this.app = null;
  }
}
