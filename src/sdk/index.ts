// Pantheon client SDK, browser entry: everything here runs in a browser
// bundle, so nothing reachable from this file may import node: modules or use
// Buffer (test/sdk/browser-bundle.test.ts checks). Node users import node.ts.
export { PantheonClient, type ClientOptions, type CloseListener, type HeartbeatResult, type IncomingPacket, type PushListener, type RequestOptions } from './client.js';
export { connectWebSocket, connectWithToken, type TokenConnectOptions, type WebSocketConnectOptions } from './connect.js';
export {
  ConnectionClosedError,
  HandshakeFailedError,
  LaresError,
  RequestError,
  RequestTimeoutError,
  type ConnectionCloseCode,
  type ConnectionCloseDetails,
  type HandshakeFailureCode,
  type LogoutInfo,
} from './errors.js';
export { FrameOpener, FrameSealer } from './frame-cipher.js';
export {
  completeHandshake,
  computeTranscriptHash,
  createClientKeyShare,
  decodeServerHello,
  deriveClientTrafficKeys,
  encodeClientHello,
  trustGateKeys,
  verifyServerHello,
  type ClientHelloInputs,
  type ClientKeyShare,
  type EstablishedHandshake,
  type GateKey,
  type TrustedGateKeys,
} from './handshake.js';
export { InflateLimitError, inflateWithDecompressionStream, type Inflate } from './inflate.js';
export { LaresClient, type AccountSession, type LaresClientOptions, type RefreshedSession, type TokenGrant } from './lares.js';
export { TransportInbox, type Transport, type TransportCloseEvent, type TransportHandlers } from './transports/transport.js';
export { openWebSocketTransport, type WebSocketConstructor, type WebSocketLike, type WebSocketTransportOptions } from './transports/websocket.js';
// The protocol vocabulary a caller needs to build requests and read answers.
export { HandshakeErrorCode, type ServerHello } from '../gen/pantheon/client/v1/handshake.js';
export { EchoSeq, Heartbeat, HeartbeatReply, LogoutCode, Module, Packet, PacketCode, ServerLogout, SystemSeq } from '../gen/pantheon/client/v1/packet.js';
