// Typed channels over the rings: protobuf messages (ring.proto) in, protobuf
// messages out. The sending side never loses a message when the ring is
// momentarily full: it queues locally and retries until the consumer frees
// room, and counts how often that happened.
import type { BinaryWriter } from '@bufbuild/protobuf/wire';
import { createRingBuffer, RingReader, RingWriter } from './ring-buffer.js';

export interface MessageCodec<T> {
  encode(message: T): BinaryWriter;
  decode(bytes: Uint8Array): T;
}

export interface RingPair {
  /** control plane -> worker */
  toWorker: SharedArrayBuffer;
  /** worker -> control plane */
  toControl: SharedArrayBuffer;
}

export const CONTROL_TO_WORKER_RING_BYTES = 4 * 1024 * 1024;
export const WORKER_TO_CONTROL_RING_BYTES = 1024 * 1024;
const RETRY_MS = 1;

export function createRingPair(): RingPair {
  return { toWorker: createRingBuffer(CONTROL_TO_WORKER_RING_BYTES), toControl: createRingBuffer(WORKER_TO_CONTROL_RING_BYTES) };
}

export interface SenderStats {
  sent: number;
  /** Messages that found the ring full and waited in the local backlog. */
  deferred: number;
  backlog: number;
  ringUsed: number;
  ringCapacity: number;
}

export class RingSender<T> {
  private readonly writer: RingWriter;
  private readonly backlog: Uint8Array[] = [];
  private retryTimer: NodeJS.Timeout | null = null;
  private doorbellScheduled = false;
  private sent = 0;
  private deferred = 0;

  constructor(buffer: SharedArrayBuffer, private readonly codec: MessageCodec<T>) {
    this.writer = new RingWriter(buffer);
  }

  send(message: T): void {
    const bytes = this.codec.encode(message).finish();
    if (this.backlog.length === 0 && this.writer.tryWriteQuietly(bytes)) {
      this.sent++;
      this.scheduleDoorbell();
      return;
    }
    this.deferred++;
    this.backlog.push(bytes);
    this.scheduleRetry();
  }

  stats(): SenderStats {
    const ring = this.writer.stats();
    return { sent: this.sent, deferred: this.deferred, backlog: this.backlog.length, ringUsed: ring.used, ringCapacity: ring.capacity };
  }

  /** Stops retrying; whatever is still in the backlog is dropped (shutdown only). */
  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /**
   * One wake-up per event-loop turn, however many messages the turn wrote:
   * profiling the handshake bench showed a notify per message costing more
   * than the rest of the ring (about 1 s of a worker's 4.6 s busy time).
   */
  private scheduleDoorbell(): void {
    if (this.doorbellScheduled) return;
    this.doorbellScheduled = true;
    setImmediate(() => {
      this.doorbellScheduled = false;
      this.writer.ringDoorbell();
    });
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      while (this.backlog.length > 0 && this.writer.tryWriteQuietly(this.backlog[0])) {
        this.backlog.shift();
        this.sent++;
      }
      this.writer.ringDoorbell();
      if (this.backlog.length > 0) this.scheduleRetry();
    }, RETRY_MS);
  }
}

export class RingReceiver<T> {
  private readonly reader: RingReader;
  private running = false;
  private received = 0;

  constructor(buffer: SharedArrayBuffer, private readonly codec: MessageCodec<T>) {
    this.reader = new RingReader(buffer);
  }

  /**
   * Delivers messages to `onMessage` until stop(). A message that fails to
   * decode is reported to `onError` and skipped; it cannot stall the ring.
   */
  start(onMessage: (message: T) => void, onError: (error: unknown) => void): void {
    if (this.running) return;
    this.running = true;
    const loop = async () => {
      while (this.running) {
        this.reader.drain((bytes) => {
          this.received++;
          let message: T;
          try {
            message = this.codec.decode(bytes);
          } catch (error) {
            onError(error);
            return;
          }
          try {
            onMessage(message);
          } catch (error) {
            onError(error);
          }
        });
        if (!this.running) break;
        await this.reader.waitForData();
      }
    };
    loop().catch(onError);
  }

  get receivedCount(): number {
    return this.received;
  }

  stop(): void {
    this.running = false;
    this.reader.wake();
  }
}
