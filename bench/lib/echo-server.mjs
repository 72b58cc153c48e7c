#!/usr/bin/env node
// The `baseline` server: a bare uWebSockets.js echo (no framing, no crypto),
// one uWS App per worker thread on one port (SO_REUSEPORT, like the gate's
// data plane), so it is the ceiling of this machine and this client.
// Usage: node bench/lib/echo-server.mjs <port> <threads>. Prints {"event":"ready"}.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import uWS from '@trufflesuite/uws-js-unofficial';

if (isMainThread) {
  const port = Number(process.argv[2]);
  const threads = Math.max(1, Number(process.argv[3] ?? 1));
  const workers = Array.from({ length: threads }, () => new Worker(new URL(import.meta.url), { workerData: { port } }));
  let listening = 0;
  for (const worker of workers) {
    worker.on('message', (message) => {
      if (message === 'listening' && ++listening === threads) process.stdout.write(`${JSON.stringify({ event: 'ready', port })}\n`);
      if (message === 'failed') process.exit(1);
    });
  }
  process.once('SIGTERM', async () => {
    // Each thread closes its own listen socket and App so the process exits cleanly.
    await Promise.all(workers.map((w) => new Promise((resolve) => { w.once('exit', resolve); w.postMessage('stop'); })));
    process.exit(0);
  });
} else {
  const app = uWS.App().ws('/*', {
    maxPayloadLength: 16 * 1024 * 1024,
    maxBackpressure: 64 * 1024 * 1024,
    idleTimeout: 0,
    sendPingsAutomatically: false,
    message: (ws, message, isBinary) => { ws.send(message, isBinary); },
  });
  let listenSocket = null;
  // No LIBUS_LISTEN_EXCLUSIVE_PORT: the threads share the port on purpose; the port came from freePort just before.
  app.listen('127.0.0.1', workerData.port, (socket) => {
    listenSocket = socket;
    parentPort.postMessage(socket ? 'listening' : 'failed');
  });
  parentPort.on('message', () => {
    if (listenSocket) uWS.us_listen_socket_close(listenSocket);
    app.close();
    parentPort.close();
  });
}
