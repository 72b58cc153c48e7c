// TCP transport. Node 20 cannot set SO_REUSEPORT on a net.Server nor hand an
// accepted socket to another thread, so each worker opens its own
// SO_REUSEPORT listening socket through a tiny native addon
// (native/reuseport) and gives the fd to net.Server.listen({ fd }). The
// kernel then balances connections across workers exactly as it does for
// the uWS WebSocket listeners. See docs/architecture.md.
import { createServer, type Server, type Socket } from 'node:net';
import { openReusePortListener } from './reuseport.js';
import { FrameDecoder, FrameLengthError, FRAME_HEADER_BYTES } from '../../protocol/framing.js';
import type { ClientConnection, CloseReason, ConnectionAcceptor, Transport } from './transport.js';

export interface TcpTransportOptions {
  host: string;
  port: number;
  backlog: number;
  maxFrameBytes: number;
}

class TcpConnection implements ClientConnection {
  readonly transport = 'tcp' as const;
  readonly shedding = false; // TCP really stops reading instead
  closed = false;

  constructor(private readonly socket: Socket, readonly remoteAddress: string) {}

  send(body: Uint8Array): boolean {
    if (this.closed) return false;
    // One buffer per frame, so one write: header and body never go out as two segments.
    const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
    frame.writeUInt32BE(body.length, 0);
    frame.set(body, FRAME_HEADER_BYTES);
    this.socket.write(frame);
    return true;
  }

  close(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    if (reason === 'slow_consumer') {
      // Its send buffer is what we are protecting: do not wait to flush it.
      this.socket.destroy();
      return;
    }
    this.socket.end();
    // A peer that never reads must not keep the socket half-open forever.
    setTimeout(() => this.socket.destroy(), 5_000).unref();
  }

  bufferedBytes(): number {
    return this.socket.writableLength;
  }

  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    if (!this.closed) this.socket.resume();
  }
}

export class TcpTransport implements Transport {
  readonly name = 'tcp' as const;
  private server: Server | null = null;
  private readonly connections = new Set<TcpConnection>();

  constructor(private readonly options: TcpTransportOptions) {}

  start(acceptor: ConnectionAcceptor): Promise<string> {
    const { host, port, backlog, maxFrameBytes } = this.options;
    const fd = openReusePortListener(host, port, backlog);
    const server = createServer({ noDelay: true }, (socket) => this.onSocket(socket, acceptor, maxFrameBytes));
    this.server = server;
    return new Promise((resolveStart, reject) => {
      server.once('error', (error) => reject(new Error(`cannot listen for TCP on ${host}:${port}: ${error.message}`)));
      server.listen({ fd }, () => {
        const address = server.address();
        resolveStart(`tcp://${host}:${typeof address === 'object' && address ? address.port : port}`);
      });
    });
  }

  stopAccepting(): void {
    this.server?.close();
    this.server = null;
  }

  close(): void {
    this.stopAccepting();
    for (const connection of [...this.connections]) connection.close('going_away');
  }

  private onSocket(socket: Socket, acceptor: ConnectionAcceptor, maxFrameBytes: number): void {
    const connection = new TcpConnection(socket, socket.remoteAddress ?? 'unknown');
    this.connections.add(connection);
    const decoder = new FrameDecoder(maxFrameBytes);
    const sink = acceptor.accept(connection);
    let closedOnce = false;
    const onClosed = () => {
      if (closedOnce) return;
      closedOnce = true;
      connection.closed = true;
      this.connections.delete(connection);
      sink.onClosed();
    };
    socket.on('data', (chunk: Buffer) => {
      if (connection.closed) return;
      try {
        decoder.push(chunk, (body) => sink.onBody(body));
      } catch (error) {
        if (!(error instanceof FrameLengthError)) throw error;
        connection.close('too_big');
        socket.destroy();
      }
    });
    socket.on('error', () => {
      // ECONNRESET and friends: the close event that follows is the signal we act on.
    });
    socket.on('close', onClosed);
  }
}
