import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createRingBuffer, RingReader, RingWriter } from '../../src/ring/ring-buffer.js';
import { RingReceiver, RingSender } from '../../src/ring/ring-channel.js';
import { WorkerMessage } from '../../src/gen/pantheon/gate/v1/ring.js';

function drainAll(reader: RingReader): number[][] {
  const out: number[][] = [];
  reader.drain((message) => out.push([...message]));
  return out;
}

describe('shared-memory ring buffer', () => {
  it('delivers messages in order', () => {
    const buffer = createRingBuffer(1024);
    const writer = new RingWriter(buffer);
    for (let i = 1; i <= 5; i++) expect(writer.tryWrite(new Uint8Array(i).fill(i))).toBe(true);
    expect(drainAll(new RingReader(buffer))).toEqual([[1], [2, 2], [3, 3, 3], [4, 4, 4, 4], [5, 5, 5, 5, 5]]);
  });

  it('wraps messages around the end of the buffer intact', () => {
    const buffer = createRingBuffer(1024);
    const writer = new RingWriter(buffer);
    const reader = new RingReader(buffer);
    for (let round = 0; round < 50; round++) {
      const message = new Uint8Array(200).map((_, i) => (i + round) & 0xff);
      expect(writer.tryWrite(message)).toBe(true);
      expect(drainAll(reader)).toEqual([[...message]]);
    }
  });

  it('refuses a write when full and accepts it once the reader frees room', () => {
    const buffer = createRingBuffer(1024);
    const writer = new RingWriter(buffer);
    let written = 0;
    while (writer.tryWrite(new Uint8Array(100))) written++;
    expect(written).toBe(9); // 9 x 104 bytes fit in 1024
    expect(drainAll(new RingReader(buffer))).toHaveLength(9);
    expect(writer.tryWrite(new Uint8Array(100))).toBe(true);
  });

  it('rejects a message larger than a quarter of the ring', () => {
    expect(() => new RingWriter(createRingBuffer(1024)).tryWrite(new Uint8Array(300))).toThrow(RangeError);
  });

  it('refuses a capacity that is not a power of two', () => {
    expect(() => createRingBuffer(3000)).toThrow(/power of two/);
  });

  it('keeps every message when the sender outpaces the ring (local backlog)', async () => {
    const buffer = createRingBuffer(1024);
    const sender = new RingSender(buffer, WorkerMessage);
    const receiver = new RingReceiver(buffer, WorkerMessage);
    const seen: number[] = [];
    for (let i = 0; i < 500; i++) sender.send({ body: { $case: 'ready', value: { worker: i, listening: ['x'.repeat(40)] } } });
    expect(sender.stats().deferred).toBeGreaterThan(0);
    receiver.start(
      (message) => seen.push(message.body?.$case === 'ready' ? message.body.value.worker : -1),
      (error) => {
        throw error;
      },
    );
    await expect.poll(() => seen.length, { timeout: 5_000 }).toBe(500);
    expect(seen).toEqual([...Array(500).keys()]);
    receiver.stop();
    sender.close();
  });

  it('wakes a consumer in another thread through the doorbell', async () => {
    const buffer = createRingBuffer(4096);
    const workerSource = `
      const { workerData, parentPort } = require('node:worker_threads');
      const header = new Int32Array(workerData, 0, 16);
      const data = new Uint8Array(workerData, 64);
      // A pending Atomics.waitAsync does not keep a thread's event loop alive.
      const keepAlive = setInterval(() => {}, 1000);
      (async () => {
        let tail = 0, total = 0;
        while (total < 1000) {
          const seen = Atomics.load(header, 2); Atomics.store(header, 3, 1);
          const head = Atomics.load(header, 0) >>> 0;
          if (head === tail) { const w = Atomics.waitAsync(header, 2, seen); if (w.async) await w.value; continue; }
          while (tail !== head) {
            const m = data.length - 1;
            const len = (data[tail & m] << 24 | data[(tail+1) & m] << 16 | data[(tail+2) & m] << 8 | data[(tail+3) & m]) >>> 0;
            total += data[(tail + 4) & m];
            tail = (tail + 4 + len) >>> 0;
            Atomics.store(header, 1, tail | 0);
          }
        }
        clearInterval(keepAlive);
        parentPort.postMessage(total);
      })();`;
    const worker = new Worker(workerSource, { eval: true, workerData: buffer });
    const writer = new RingWriter(buffer);
    const total = new Promise<number>((resolve) => worker.once('message', resolve));
    for (let i = 0; i < 1000; ) {
      if (writer.tryWrite(new Uint8Array([1, 0, 0]))) i++;
      else await new Promise((r) => setTimeout(r, 1));
    }
    expect(await total).toBe(1000);
    await worker.terminate();
  });
});
