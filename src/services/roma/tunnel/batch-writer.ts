// Outbound side of one tunnel stream: everything sent during one event-loop
// turn leaves as a single TunnelBatch. It respects the stream's backpressure
// (queue while the gate is slow, resume on 'drain') and gives up through
// `onOverflow` when a gate stops reading and the queue passes its cap.
import type { Envelope, TunnelBatch } from '../../../gen/pantheon/roma/v1/tunnel.js';
import { approximateSize } from './envelopes.js';

/** The part of a writable stream the writer uses (a gRPC server duplex stream in production). */
export interface BatchSink {
  write(batch: TunnelBatch): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

export interface BatchWriterOptions {
  /** Bytes queued while waiting for 'drain' before the stream is given up. */
  maxQueuedBytes: number;
  /** Larger turns are split so one message stays well under gRPC's default 4 MiB receive limit. */
  maxBatchBytes: number;
  /** Called once, after the queue was dropped; the owner closes the stream. */
  onOverflow(queuedBytes: number): void;
}

export const DEFAULT_BATCH_WRITER_LIMITS = { maxQueuedBytes: 64 * 1024 * 1024, maxBatchBytes: 1024 * 1024 } as const;

export class BatchWriter {
  private pending: Envelope[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  private waitingForDrain = false;
  private closed = false;
  private batchesWritten = 0;

  constructor(
    private readonly sink: BatchSink,
    private readonly options: BatchWriterOptions,
  ) {}

  get queuedBytes(): number {
    return this.pendingBytes;
  }

  get batches(): number {
    return this.batchesWritten;
  }

  /** Queues `envelope` for this turn's batch; false if the writer is closed (the envelope is dropped). */
  enqueue(envelope: Envelope): boolean {
    if (this.closed) return false;
    this.pending.push(envelope);
    this.pendingBytes += approximateSize(envelope);
    if (this.waitingForDrain) {
      // Only a gate that stops reading can push the queue this far: a fast one drains between turns.
      if (this.pendingBytes > this.options.maxQueuedBytes) this.overflow();
      return !this.closed;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // setImmediate, not a microtask: it runs after the I/O phase, so every
      // response produced from this turn's incoming batches joins one write.
      setImmediate(() => this.flush());
    }
    return true;
  }

  /** Writes whatever is queued now, ignoring backpressure; used right before ending the stream. */
  flushAll(): void {
    while (!this.closed && this.pending.length > 0) this.writeNextBatch();
  }

  /** Drops anything queued and refuses new envelopes. */
  close(): void {
    this.closed = true;
    this.pending = [];
    this.pendingBytes = 0;
  }

  private flush(): void {
    this.flushScheduled = false;
    while (!this.closed && !this.waitingForDrain && this.pending.length > 0) this.writeNextBatch();
  }

  /** Writes the longest prefix of the queue that fits maxBatchBytes (at least one envelope). */
  private writeNextBatch(): void {
    const pending = this.pending;
    let end = 0;
    let bytes = 0;
    do {
      bytes += approximateSize(pending[end]);
      end++;
    } while (end < pending.length && bytes + approximateSize(pending[end]) <= this.options.maxBatchBytes);
    const envelopes = end === pending.length ? pending : pending.slice(0, end);
    this.pending = end === pending.length ? [] : pending.slice(end);
    this.pendingBytes -= bytes;
    this.batchesWritten++;
    if (!this.sink.write({ envelopes }) && !this.waitingForDrain) {
      this.waitingForDrain = true;
      this.sink.once('drain', () => this.onDrain());
    }
  }

  private onDrain(): void {
    this.waitingForDrain = false;
    this.flush();
  }

  private overflow(): void {
    const queued = this.pendingBytes;
    this.close();
    this.options.onOverflow(queued);
  }
}
