#!/usr/bin/env node
// The `peer-colyseus` server: Colyseus (a bench-only devDependency) with its
// uWebSockets.js transport, one process, one room type "relay" of up to 8
// clients that relays every binary message to the other members, which is
// what a Colyseus user writes for position updates. No state schema, so
// nothing but the relay costs CPU. Usage: node bench/lib/colyseus-server.mjs <port>.
// Prints {"event":"ready"} once listening.
import { Room, Server } from '@colyseus/core';
import { uWebSocketsTransport } from '@colyseus/uwebsockets-transport';

class RelayRoom extends Room {
  maxClients = 8;

  onCreate() {
    this.onMessageBytes(0, (client, bytes) => this.broadcast(0, bytes, { except: client }));
  }
}

const port = Number(process.argv[2]);
const server = new Server({ transport: new uWebSocketsTransport(), greet: false });
server.define('relay', RelayRoom);
await server.listen(port, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ event: 'ready', port, colyseus: 'uWebSockets.js transport' })}\n`);
