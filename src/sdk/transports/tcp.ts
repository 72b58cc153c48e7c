// TCP transport for Node: u32be length-prefixed bodies (src/protocol/framing.ts).
// NODE-ONLY (node:net): imported by src/sdk/node.ts, never by src/sdk/index.ts,
// which the browser-bundle test enforces.
import { connect, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder } from '../../protocol/framing.js';
import { ConnectionClosedError } from '../errors.js';
import { TransportInbox, type Transport, type TransportHandlers } from './transport.js';

export interface TcpAddress {
  host: string;
  port: number;
}

export interface TcpTransportOptions {
  /** Default 10000. */
  connectTimeoutMs?: number;
  /**
   * Largest inbound body accepted. Default 16 MiB, the largest gate.max_frame_bytes
   * a gate can be configured with; the gate enforces its own limit on what we send.
   */
  maxFrameBytes?: number;
}

const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
const END_GRACE_MS = 1000;

/** Parses "host:port" as Lares lists TCP gates ("[::1]:17200" for IPv6). */
export function parseTcpAddress(address: string): TcpAddress {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) throw new TypeError(`TCP gate address "${address}" must look like host:port`);
  return { host: match[1], port };
}

/** Opens a TCP connection to a gate; rejects with ConnectionClosedError('CONNECT_FAILED'). */
export function openTcpTransport(address: TcpAddress | string, options: TcpTransportOptions = {}): Promise<Transport> {
  const { host, port } = typeof address === 'string' ? parseTcpAddress(address) : address;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ConnectionClosedError('CONNECT_FAILED', `TCP ${host}:${port} did not connect within ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);
    const onError = (error: Error) => {
      clearTimeout(timer);
      reject(new ConnectionClosedError('CONNECT_FAILED', `TCP ${host}:${port}: ${error.message}; is the gate's tcp listener up?`, { cause: error }));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(new TcpTransport(socket, options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES));
    });
  });
}

class TcpTransport implements Transport {
  readonly kind = 'tcp';
  private readonly inbox = new TransportInbox();
  private readonly decoder: FrameDecoder;
  private error: Error | undefined;

  constructor(
    private readonly socket: Socket,
    maxFrameBytes: number,
  ) {
    this.decoder = new FrameDecoder(maxFrameBytes);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => {
      this.error = error;
    });
    socket.on('close', () => this.inbox.closed({ error: this.error }));
  }

  start(handlers: TransportHandlers): void {
    this.inbox.start(handlers);
  }

  send(body: Uint8Array): void {
    if (!this.socket.writable) return; // the close event tells the client, which rejects pending work
    this.socket.write(encodeFrame(body));
  }

  close(): void {
    if (this.socket.destroyed) return;
    this.socket.end(); // flush what was written, then FIN
    setTimeout(() => this.socket.destroy(), END_GRACE_MS).unref();
  }

  private receive(chunk: Buffer): void {
    try {
      this.decoder.push(chunk, (body) => this.inbox.body(body));
    } catch (error) {
      // A bad length means the stream can no longer be parsed (FrameDecoder's contract).
      this.error = error as Error;
      this.socket.destroy();
    }
  }
}
