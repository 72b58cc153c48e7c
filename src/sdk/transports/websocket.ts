// WebSocket transport: each binary message is exactly one body, no length
// prefix. Takes the WebSocket constructor as a parameter so the same code runs
// on the browser global and on the `ws` package in Node.
import { ConnectionClosedError } from '../errors.js';
import { TransportInbox, type Transport, type TransportHandlers } from './transport.js';

/** The part of the WebSocket API this transport uses (browser WebSocket and `ws` both fit). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  // Event parameters are `any` because the browser and `ws` event classes differ;
  // only event.data, event.code, event.reason and event.error are read.
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface WebSocketTransportOptions {
  /** Default: the global WebSocket (browsers). In Node pass `ws`, or use the node entry. */
  WebSocket?: WebSocketConstructor;
  protocols?: string | string[];
  /** Default 10000. */
  connectTimeoutMs?: number;
}

const WS_OPEN = 1;
const WS_CLOSE_NORMAL = 1000;
const WS_CLOSE_UNSUPPORTED_DATA = 1003;

/** Opens a WebSocket to a gate URL (e.g. `ws://127.0.0.1:17100/ws`); rejects with ConnectionClosedError('CONNECT_FAILED'). */
export function openWebSocketTransport(url: string, options: WebSocketTransportOptions = {}): Promise<Transport> {
  const WebSocketImpl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!WebSocketImpl) {
    return Promise.reject(new TypeError('no global WebSocket here: pass options.WebSocket (e.g. the ws package) or use the SDK\'s node entry'));
  }
  const socket = new WebSocketImpl(url, options.protocols);
  socket.binaryType = 'arraybuffer';
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    let lastError: unknown;
    const timer = setTimeout(() => {
      socket.onclose = null;
      socket.close();
      reject(new ConnectionClosedError('CONNECT_FAILED', `WebSocket ${url} did not open within ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);
    socket.onerror = (event) => {
      lastError = event?.error ?? event;
    };
    socket.onclose = (event) => {
      clearTimeout(timer);
      reject(
        new ConnectionClosedError('CONNECT_FAILED', `WebSocket ${url} closed before opening (code ${event.code}); is the gate's ws listener up?`, {
          wsCloseCode: event.code,
          wsCloseReason: event.reason,
          cause: lastError,
        }),
      );
    };
    socket.onopen = () => {
      clearTimeout(timer);
      resolve(new WebSocketTransport(socket));
    };
  });
}

class WebSocketTransport implements Transport {
  readonly kind = 'websocket';
  private readonly inbox = new TransportInbox();
  private error: Error | undefined;

  constructor(private readonly socket: WebSocketLike) {
    socket.onmessage = (event) => this.receive(event.data);
    socket.onerror = (event) => {
      this.error = event?.error instanceof Error ? event.error : new Error(`WebSocket error: ${String(event?.message ?? 'unknown')}`);
    };
    socket.onclose = (event) => this.inbox.closed({ wsCloseCode: event.code, wsCloseReason: event.reason, error: this.error });
  }

  start(handlers: TransportHandlers): void {
    this.inbox.start(handlers);
  }

  send(body: Uint8Array): void {
    // A closing socket drops sends; the close event tells the client, which rejects pending work.
    if (this.socket.readyState === WS_OPEN) this.socket.send(body);
  }

  close(): void {
    this.socket.close(WS_CLOSE_NORMAL);
  }

  private receive(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      this.inbox.body(new Uint8Array(data));
      return;
    }
    this.error = new Error('the gate sent a text WebSocket message; PANTHEON/1 uses binary messages only');
    this.socket.close(WS_CLOSE_UNSUPPORTED_DATA);
  }
}
