// What PantheonClient needs from a connection: whole bodies in, whole bodies
// out, one close notification. Framing (TCP) or message boundaries (WebSocket)
// are the transport's business; crypto and packets are the client's.

export interface TransportCloseEvent {
  /** WebSocket close code and reason; absent for TCP. */
  wsCloseCode?: number;
  wsCloseReason?: string;
  /** Set when the connection ended because of an error rather than a clean close. */
  error?: Error;
}

export interface TransportHandlers {
  body(body: Uint8Array): void;
  /** Called exactly once, whoever closed. */
  closed(event: TransportCloseEvent): void;
}

/** An open connection to a gate. */
export interface Transport {
  readonly kind: 'websocket' | 'tcp' | (string & {});
  /** Starts delivery; anything received before this is held and delivered first. */
  start(handlers: TransportHandlers): void;
  send(body: Uint8Array): void;
  /** Idempotent; `closed` still fires once the connection is down. */
  close(): void;
}

/**
 * Holds bodies and the close event until `start`, so a transport can be opened
 * before the client attaches without losing anything. Transports own one.
 */
export class TransportInbox {
  private handlers: TransportHandlers | null = null;
  private held: Uint8Array[] = [];
  private heldClose: TransportCloseEvent | null = null;
  private closedDelivered = false;

  start(handlers: TransportHandlers): void {
    if (this.handlers) throw new Error('transport already started: one PantheonClient per transport');
    this.handlers = handlers;
    for (const body of this.held) handlers.body(body);
    this.held = [];
    if (this.heldClose) this.closed(this.heldClose);
  }

  body(body: Uint8Array): void {
    if (this.closedDelivered) return; // nothing is delivered after close
    if (this.handlers) this.handlers.body(body);
    else this.held.push(body);
  }

  closed(event: TransportCloseEvent): void {
    if (this.closedDelivered) return;
    if (!this.handlers) {
      this.heldClose ??= event;
      return;
    }
    this.closedDelivered = true;
    this.handlers.closed(event);
  }
}
