// The typed errors the SDK rejects with. Callers branch on the class and its
// `code`; people read `message`. Browser-safe: no node: imports.
import type { HandshakeErrorCode } from '../gen/pantheon/client/v1/handshake.js';
import type { LogoutCode, PacketCode } from '../gen/pantheon/client/v1/packet.js';

/** Why a handshake failed: the server said no, or the client refused what it got. */
export type HandshakeFailureCode =
  | 'SERVER_REJECTED' // the gate answered HandshakeError; see `serverCode`
  | 'BAD_SIGNATURE' // ServerHello.signature does not verify with the trusted gate key
  | 'UNKNOWN_KEY_ID' // ServerHello.key_id is not among the trusted gate keys
  | 'ZERO_SHARED_SECRET' // the server's X25519 key is a low-order point
  | 'MALFORMED_REPLY' // the first body is not a valid HandshakeReply / ServerHello
  | 'UNSUPPORTED_VERSION'
  | 'PLAINTEXT_REFUSED' // ServerHello.encrypted=false without ClientOptions.allowPlaintext
  | 'TIMEOUT'
  | 'CONNECTION_CLOSED'; // the transport closed before a reply arrived

/** `PantheonClient.connect` failed before a session was established. */
export class HandshakeFailedError extends Error {
  override readonly name = 'HandshakeFailedError';

  constructor(
    readonly code: HandshakeFailureCode,
    message: string,
    /** The gate's HandshakeErrorCode when `code` is 'SERVER_REJECTED'. */
    readonly serverCode?: HandshakeErrorCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Why an established (or opening) connection ended. */
export type ConnectionCloseCode =
  | 'CLOSED_BY_CLIENT' // close() was called
  | 'CLOSED_BY_SERVER' // the transport closed without a ServerLogout
  | 'LOGGED_OUT' // a ServerLogout push arrived first; see `logout`
  | 'PROTOCOL_ERROR' // a frame failed to open or decode, or bad compressed data
  | 'HEARTBEAT_TIMEOUT' // nothing arrived for 3 heartbeat intervals
  | 'TRANSPORT_ERROR' // socket error
  | 'CONNECT_FAILED'; // the transport never opened

export interface LogoutInfo {
  code: LogoutCode;
  reason: string;
}

export interface ConnectionCloseDetails {
  /** The ServerLogout the gate sent before closing, if one arrived. */
  logout?: LogoutInfo;
  /** WebSocket close code and reason (absent for TCP). */
  wsCloseCode?: number;
  wsCloseReason?: string;
  cause?: unknown;
}

/** The connection is gone; pending requests reject with this too. */
export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
  readonly logout?: LogoutInfo;
  readonly wsCloseCode?: number;
  readonly wsCloseReason?: string;

  constructor(
    readonly code: ConnectionCloseCode,
    message: string,
    details: ConnectionCloseDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.logout = details.logout;
    this.wsCloseCode = details.wsCloseCode;
    this.wsCloseReason = details.wsCloseReason;
  }
}

/** The gate answered a request with a non-zero Packet.code; the connection stays open. */
export class RequestError extends Error {
  override readonly name = 'RequestError';

  constructor(
    readonly code: PacketCode,
    readonly mod: number,
    readonly seq: number,
    readonly index: number,
  ) {
    super(`request mod=${mod} seq=${seq} index=${index} failed with packet code ${code}`);
  }
}

/** No response arrived within the request's timeout; a late response is dropped. */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  readonly code = 'REQUEST_TIMEOUT';

  constructor(
    readonly mod: number,
    readonly seq: number,
    readonly index: number,
    readonly timeoutMs: number,
  ) {
    super(`request mod=${mod} seq=${seq} index=${index} got no response within ${timeoutMs} ms; raise RequestOptions.timeoutMs if the handler is slow`);
  }
}

/** A Lares HTTP call failed. `status` is 0 when Lares could not be reached. */
export class LaresError extends Error {
  override readonly name = 'LaresError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** From the Retry-After header (throttled logins). */
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
