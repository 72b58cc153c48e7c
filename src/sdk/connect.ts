// One-call connections for the browser entry: open a WebSocket, run the
// handshake. src/sdk/node.ts has Node variants (ws package, TCP, node:zlib).
import { PantheonClient, type ClientOptions } from './client.js';
import type { TokenGrant } from './lares.js';
import { openWebSocketTransport, type WebSocketTransportOptions } from './transports/websocket.js';

export type WebSocketConnectOptions = ClientOptions & WebSocketTransportOptions;

/** Everything but the token and gate keys, which come from the TokenGrant. */
export type TokenConnectOptions = Omit<WebSocketConnectOptions, 'token' | 'gateKeys'>;

/** Opens a WebSocket to `url` and runs the handshake. */
export async function connectWebSocket(url: string, options: WebSocketConnectOptions): Promise<PantheonClient> {
  return PantheonClient.connect(await openWebSocketTransport(url, options), options);
}

/** Connects to the first WebSocket gate of a POST /v1/tokens response. */
export async function connectWithToken(grant: TokenGrant, options: TokenConnectOptions = {}): Promise<PantheonClient> {
  return connectWebSocket(firstGate(grant.gates.ws, 'ws'), { ...options, token: grant.token, gateKeys: grant.gate_keys });
}

export function firstGate(gates: readonly string[] | undefined, kind: string): string {
  const gate = gates?.[0];
  if (!gate) throw new TypeError(`the token grant lists no ${kind} gates; check lares.public_gates.${kind} in the cluster config`);
  return gate;
}
