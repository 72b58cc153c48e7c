// Spawns and supervises the data-plane worker threads. Each worker gets its
// own pair of rings; everything the control plane tells a worker, and
// everything a worker reports, goes through them. A worker that dies is
// replaced (its connections are lost with it; clients reconnect).
import { Worker } from 'node:worker_threads';
import { ControlMessage, WorkerMessage } from '../gen/pantheon/gate/v1/ring.js';
import type { Logger } from '../common/logger.js';
import { createRingPair, RingReceiver, RingSender } from '../ring/ring-channel.js';
import type { WorkerBootstrap } from '../dataplane/worker-main.js';

const WORKER_ENTRY = new URL('../dataplane/worker-main.js', import.meta.url);
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
const RESPAWN_DELAY_MS = 1_000;

export interface WorkerHandle {
  index: number;
  thread: Worker;
  toWorker: RingSender<ControlMessage>;
  fromWorker: RingReceiver<WorkerMessage>;
  ready: boolean;
  /** The thread has ended: stop() must not wait for an `exit` event that already fired. */
  exited: boolean;
  listening: string[];
}

export interface WorkerPoolOptions {
  count: number;
  logger: Logger;
  bootstrap: (index: number) => Omit<WorkerBootstrap, 'worker' | 'rings' | 'connectionCounts'>;
  /** Shared by all workers (and their replacements): gate-wide connection counts. */
  connectionCounts: SharedArrayBuffer;
  onMessage: (worker: WorkerHandle, message: WorkerMessage) => void;
  /** A worker died unexpectedly (after start). */
  onWorkerLost: (index: number) => void;
}

export class WorkerPool {
  readonly workers: WorkerHandle[] = [];
  private stopping = false;

  constructor(private readonly options: WorkerPoolOptions) {}

  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.options.count }, (_, index) => this.spawn(index)));
  }

  send(worker: number, message: ControlMessage): void {
    this.workers[worker]?.toWorker.send(message);
  }

  broadcast(message: ControlMessage): void {
    for (const worker of this.workers) worker.toWorker.send(message);
  }

  get readyCount(): number {
    return this.workers.filter((worker) => worker.ready).length;
  }

  /** Ends every worker: each closes its listeners and uWS App before its thread ends. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.workers.map(async (worker) => {
        if (worker.exited) return;
        const exited = new Promise<void>((resolveExit) => worker.thread.once('exit', () => resolveExit()));
        worker.thread.postMessage('stop');
        const timer = setTimeout(() => void worker.thread.terminate(), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
        worker.fromWorker.stop();
        worker.toWorker.close();
      }),
    );
  }

  private spawn(index: number): Promise<void> {
    const rings = createRingPair();
    const thread = new Worker(WORKER_ENTRY, { workerData: { ...this.options.bootstrap(index), worker: index, rings, connectionCounts: this.options.connectionCounts } satisfies WorkerBootstrap });
    const handle: WorkerHandle = {
      index,
      thread,
      toWorker: new RingSender(rings.toWorker, ControlMessage),
      fromWorker: new RingReceiver(rings.toControl, WorkerMessage),
      ready: false,
      exited: false,
      listening: [],
    };
    this.workers[index] = handle;
    const { logger } = this.options;
    return new Promise((resolveReady, reject) => {
      const timer = setTimeout(() => reject(new Error(`data-plane worker ${index} did not become ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      handle.fromWorker.start(
        (message) => {
          if (message.body?.$case === 'ready' && !handle.ready) {
            handle.ready = true;
            handle.listening = message.body.value.listening;
            clearTimeout(timer);
            resolveReady();
          }
          this.options.onMessage(handle, message);
        },
        (error) => logger.error({ event: 'ring_error', worker: index, err: error }, 'bad message on a worker ring'),
      );
      thread.on('error', (error) => {
        logger.error({ event: 'worker_error', worker: index, err: error }, `data-plane worker ${index} failed: ${error.message}`);
        clearTimeout(timer);
        reject(error);
      });
      thread.on('exit', (code) => {
        handle.ready = false;
        handle.exited = true;
        handle.fromWorker.stop();
        handle.toWorker.close();
        if (this.stopping || this.workers[index] !== handle) return;
        logger.error({ event: 'worker_exited', worker: index, code }, `data-plane worker ${index} exited unexpectedly; replacing it`);
        this.options.onWorkerLost(index);
        setTimeout(() => {
          if (this.stopping) return;
          this.spawn(index).catch((error: unknown) => logger.error({ event: 'worker_respawn_failed', worker: index, err: error }, 'could not replace worker'));
        }, RESPAWN_DELAY_MS).unref();
      });
    });
  }
}
