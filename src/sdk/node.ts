// Pantheon client SDK, Node entry: everything from the browser entry, plus
// TCP (node:net), the `ws` package as the default WebSocket and node:zlib
// inflate. Browser code must import index.ts instead.
import { inflate as zlibInflate } from 'node:zlib';
import WebSocket from 'ws';
import { PantheonClient, type ClientOptions } from './client.js';
import { firstGate, type TokenConnectOptions, type WebSocketConnectOptions } from './connect.js';
import { InflateLimitError, type Inflate } from './inflate.js';
import type { TokenGrant } from './lares.js';
import { openTcpTransport, type TcpAddress, type TcpTransportOptions } from './transports/tcp.js';
import { openWebSocketTransport } from './transports/websocket.js';

export * from './index.js';
export { openTcpTransport, parseTcpAddress, type TcpAddress, type TcpTransportOptions } from './transports/tcp.js';

/** node:zlib inflate with the output capped at `maxBytes`. */
export const inflateWithZlib: Inflate = (data, maxBytes) =>
  new Promise((resolve, reject) => {
    zlibInflate(data, { maxOutputLength: maxBytes }, (error, out) => {
      if (!error) resolve(new Uint8Array(out.buffer, out.byteOffset, out.length));
      else if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') reject(new InflateLimitError(maxBytes));
      else reject(error);
    });
  });

export type TcpConnectOptions = ClientOptions & TcpTransportOptions;

export type NodeTokenConnectOptions = TokenConnectOptions &
  TcpTransportOptions & {
    /** Which gate list to use. Default 'ws'. */
    transport?: 'ws' | 'tcp';
  };

/** Opens a WebSocket (the `ws` package unless options.WebSocket is given) and runs the handshake. */
export async function connectWebSocket(url: string, options: WebSocketConnectOptions): Promise<PantheonClient> {
  const withDefaults = { ...options, WebSocket: options.WebSocket ?? WebSocket, inflate: options.inflate ?? inflateWithZlib };
  return PantheonClient.connect(await openWebSocketTransport(url, withDefaults), withDefaults);
}

/** Opens a TCP connection to a gate ("host:port" or {host, port}) and runs the handshake. */
export async function connectTcp(address: TcpAddress | string, options: TcpConnectOptions): Promise<PantheonClient> {
  const withDefaults = { ...options, inflate: options.inflate ?? inflateWithZlib };
  return PantheonClient.connect(await openTcpTransport(address, withDefaults), withDefaults);
}

/** Connects to the first ws gate (or the first tcp gate with `transport: 'tcp'`) of a POST /v1/tokens response. */
export async function connectWithToken(grant: TokenGrant, options: NodeTokenConnectOptions = {}): Promise<PantheonClient> {
  const clientOptions = { ...options, token: grant.token, gateKeys: grant.gate_keys };
  if (options.transport === 'tcp') return connectTcp(firstGate(grant.gates.tcp, 'tcp'), clientOptions);
  return connectWebSocket(firstGate(grant.gates.ws, 'ws'), clientOptions);
}
