// Entry point of one data-plane worker thread. It owns its listeners (uWS
// for WebSocket, an SO_REUSEPORT socket for TCP), its connections and their
// crypto; it talks to the control plane only through its two rings.
import { parentPort, workerData } from 'node:worker_threads';
import type { RuntimeSettings } from '../gen/pantheon/gate/v1/ring.js';
import type { GateConfig } from '../common/config/index.js';
import { createRootLogger, type LogLevel } from '../common/logger.js';
import { startTracing, type TracingConfig } from '../common/tracing.js';
import type { RingPair } from '../ring/ring-channel.js';
import { ControlLink } from './control-link.js';
import { DataPlane } from './data-plane.js';
import { frameCipherBackend } from '../security/frame-cipher.js';
import { TcpTransport } from './transports/tcp-transport.js';
import { UwsTransport } from './transports/uws-transport.js';

export interface WorkerBootstrap {
  worker: number;
  gateId: string;
  logLevel: LogLevel;
  gate: GateConfig;
  tokenKeys: { current: string; keys: { id: string; key: string }[] };
  signingKey: { id: string; privatePem: string };
  settings: RuntimeSettings;
  rings: RingPair;
  connectionCounts: SharedArrayBuffer;
  tracing: TracingConfig;
}


async function main(): Promise<void> {
  const boot = workerData as WorkerBootstrap;
  const logger = createRootLogger({ service: 'gate', instance: boot.gateId, level: boot.logLevel }).child({ worker: boot.worker });
  const control = new ControlLink(boot.rings);
  const keys = new Map(boot.tokenKeys.keys.map((k) => [k.id, Buffer.from(k.key, 'base64')]));
  // Each worker is its own JS realm: it needs a tracer provider (and exporter) of its own.
  const tracing = startTracing(boot.tracing, { name: 'pantheon-gate', instance: boot.gateId, attributes: { 'pantheon.worker': boot.worker } });
  const dataPlane = new DataPlane({
    worker: boot.worker,
    gateId: boot.gateId,
    logger,
    control,
    tokenKeys: { current: { id: boot.tokenKeys.current, key: keys.get(boot.tokenKeys.current)! }, keys },
    signingKey: boot.signingKey,
    maxFrameBytes: boot.gate.max_frame_bytes,
    encrypt: boot.gate.security.encrypt,
    settings: boot.settings,
    connectionCounts: boot.connectionCounts,
    tracer: tracing?.tracer ?? null,
  });
  const { gate } = boot;
  const listening = await dataPlane.start([
    new UwsTransport({ host: gate.host, port: gate.ws.port, path: gate.ws.path, maxFrameBytes: gate.max_frame_bytes, maxBackpressureBytes: 2 * gate.limits.slow_consumer_bytes }),
    new TcpTransport({ host: gate.host, port: gate.tcp.port, backlog: gate.tcp.backlog, maxFrameBytes: gate.max_frame_bytes }),
  ]);
  control.send({ $case: 'ready', value: { worker: boot.worker, listening } });
  logger.debug({ event: 'worker_ready', listening, frame_cipher: frameCipherBackend.name }, 'worker ready');
  if (frameCipherBackend.fallbackReason && boot.worker === 0) {
    logger.warn({ event: 'frame_cipher_fallback', reason: frameCipherBackend.fallbackReason }, `frames are sealed with node:crypto, about 3x slower per frame: ${frameCipherBackend.fallbackReason}`);
  }

  // Draining arrives on the ring like every other instruction. Ending the
  // thread is lifecycle, not data: the control plane posts "stop" last, and
  // every listener and uWS App must be closed before the thread ends.
  parentPort!.on('message', (message: unknown) => {
    if (message !== 'stop') return;
    dataPlane.close();
    // Spans still buffered are exported before the thread ends (bounded; see common/tracing.ts).
    void (tracing ? tracing.shutdown() : Promise.resolve()).finally(() => parentPort!.close());
  });
}

// A failure here surfaces as the Worker's 'error' event in the control plane.
await main();
