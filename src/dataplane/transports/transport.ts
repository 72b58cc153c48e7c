// What a client transport (WebSocket, TCP, later KCP) gives the data plane:
// accepted connections that carry whole bodies. Everything above this
// interface (handshake, crypto, routing) is transport-agnostic.

export type TransportName = 'ws' | 'tcp';

/** Why the server closes a connection; each transport maps it to its own signal (e.g. WS close codes). */
export type CloseReason =
  | 'normal' // logout, drain, idle
  | 'protocol_error' // undecryptable or undecodable body, bad handshake
  | 'unsupported_data' // a WebSocket text message
  | 'too_big' // a frame over max_frame_bytes
  | 'going_away' // the gate is stopping
  | 'overloaded' // connection limits reached: try again later
  | 'slow_consumer'; // the client does not read what it is sent

export interface ClientConnection {
  readonly transport: TransportName;
  readonly remoteAddress: string;
  /** Queues one body for the client. Returns false if the connection is already closed. */
  send(body: Uint8Array): boolean;
  /** Closes after flushing what was already queued. Idempotent. */
  close(reason: CloseReason, detail?: string): void;
  /** Bytes queued in user space and not yet handed to the kernel. */
  bufferedBytes(): number;
  /**
   * Inbound backpressure; idempotent. TCP stops reading (the kernel buffer
   * fills and flow control pushes back on the client). uWS.js cannot pause
   * a WebSocket, so it sets `shedding` instead: the data plane then answers
   * backend requests RATE_LIMITED without forwarding or buffering them.
   */
  pauseReading(): void;
  resumeReading(): void;
  readonly shedding: boolean;
}

export interface ConnectionSink {
  /** One complete body. It is valid only during the call: copy what you keep. */
  onBody(body: Uint8Array): void;
  /** The connection is gone (either side closed it). Called exactly once. */
  onClosed(): void;
}

export interface ConnectionAcceptor {
  accept(connection: ClientConnection): ConnectionSink;
}

export interface Transport {
  readonly name: TransportName;
  /** Starts accepting; resolves with a human-readable description of the listener. */
  start(acceptor: ConnectionAcceptor): Promise<string>;
  /** Stops accepting new connections (existing ones stay until closed). */
  stopAccepting(): void;
  /** Closes the listener and every remaining connection. */
  close(): void;
}
