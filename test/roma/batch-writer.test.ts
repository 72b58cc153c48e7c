import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EnvelopeKind, type Envelope, type TunnelBatch } from '../../src/gen/pantheon/roma/v1/tunnel.js';
import { BatchWriter } from '../../src/services/roma/tunnel/batch-writer.js';
import { envelope } from './gate-worker.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A real object-mode stream that completes writes only when the test says so. */
function slowStream(highWaterMark: number) {
  const batches: TunnelBatch[] = [];
  const pending: (() => void)[] = [];
  const stream = new Writable({
    objectMode: true,
    highWaterMark,
    write(batch: TunnelBatch, _encoding, done) {
      batches.push(batch);
      pending.push(() => done());
    },
  });
  return { stream, batches, releaseAll: () => pending.splice(0).forEach((done) => done()) };
}

/** A real object-mode stream that completes every write at once. */
function fastStream() {
  const batches: TunnelBatch[] = [];
  const stream = new Writable({
    objectMode: true,
    write(batch: TunnelBatch, _encoding, done) {
      batches.push(batch);
      done();
    },
  });
  return { stream, batches };
}

function response(index: number, bytes = 0): Envelope {
  return envelope({ kind: EnvelopeKind.ENVELOPE_KIND_RESPONSE, index, data: new Uint8Array(bytes) });
}

const indexes = (batches: TunnelBatch[]) => batches.map((b) => b.envelopes.map((e) => e.index));

describe('BatchWriter', () => {
  it('writes everything enqueued during one turn as one batch', async () => {
    const { stream, batches } = fastStream();
    const writer = new BatchWriter(stream, { maxQueuedBytes: 1e6, maxBatchBytes: 1e6, onOverflow: () => undefined });
    for (let i = 1; i <= 5; i++) writer.enqueue(response(i));
    expect(batches).toEqual([]);
    await nextTurn();
    expect(indexes(batches)).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('splits a turn larger than maxBatchBytes into several batches in order', async () => {
    const { stream, batches } = fastStream();
    const writer = new BatchWriter(stream, { maxQueuedBytes: 1e6, maxBatchBytes: 2_500, onOverflow: () => undefined });
    for (let i = 1; i <= 5; i++) writer.enqueue(response(i, 1_000));
    await nextTurn();
    expect(indexes(batches)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('holds envelopes while the stream is full and sends them together after drain', async () => {
    const { stream, batches, releaseAll } = slowStream(1);
    const writer = new BatchWriter(stream, { maxQueuedBytes: 1e6, maxBatchBytes: 1e6, onOverflow: () => undefined });
    writer.enqueue(response(1));
    await nextTurn();
    writer.enqueue(response(2));
    await nextTurn();
    writer.enqueue(response(3));
    await nextTurn();
    expect(indexes(batches)).toEqual([[1]]);
    expect(writer.queuedBytes).toBeGreaterThan(0);

    releaseAll();
    await nextTurn();
    expect(indexes(batches)).toEqual([[1], [2, 3]]);
    expect(writer.queuedBytes).toBe(0);
  });

  it('gives up once the queue passes its cap while the stream stays full, and drops later envelopes', async () => {
    const { stream, batches } = slowStream(1);
    const overflows: number[] = [];
    const writer = new BatchWriter(stream, { maxQueuedBytes: 5_000, maxBatchBytes: 1e6, onOverflow: (bytes) => overflows.push(bytes) });
    writer.enqueue(response(1));
    await nextTurn();
    let accepted = 0;
    for (let i = 2; i <= 10; i++) if (writer.enqueue(response(i, 1_000))) accepted++;
    expect(overflows).toHaveLength(1);
    expect(overflows[0]).toBeGreaterThan(5_000);
    expect(accepted).toBe(4);
    expect(writer.enqueue(response(11))).toBe(false);
    await nextTurn();
    expect(indexes(batches)).toEqual([[1]]);
  });

  it('does not give up on a large burst while the stream is keeping up', async () => {
    const { stream, batches } = fastStream();
    let overflowed = false;
    const writer = new BatchWriter(stream, { maxQueuedBytes: 5_000, maxBatchBytes: 1e6, onOverflow: () => (overflowed = true) });
    for (let i = 1; i <= 20; i++) writer.enqueue(response(i, 1_000));
    await nextTurn();
    expect(overflowed).toBe(false);
    expect(batches.flatMap((b) => b.envelopes)).toHaveLength(20);
  });

  it('writes everything queued at once on flushAll, ignoring backpressure', async () => {
    const { stream, batches, releaseAll } = slowStream(1);
    const writer = new BatchWriter(stream, { maxQueuedBytes: 1e6, maxBatchBytes: 1e6, onOverflow: () => undefined });
    writer.enqueue(response(1));
    await nextTurn();
    writer.enqueue(response(2));
    writer.flushAll();
    // Handed to the stream now, even though the stream is still full.
    expect(writer.queuedBytes).toBe(0);
    expect(stream.writableLength).toBe(2);
    releaseAll();
    await nextTurn();
    expect(indexes(batches)).toEqual([[1], [2]]);
  });
});
