import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../src/services/roma/serial-queue.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SerialQueue', () => {
  it('runs async tasks one at a time in the order they were added', async () => {
    const queue = new SerialQueue();
    const events: string[] = [];
    const task = (name: string, ms: number) => async () => {
      events.push(`start ${name}`);
      await tick(ms);
      events.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([queue.run(task('a', 20)), queue.run(task('b', 1)), queue.run(task('c', 5))]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('keeps running later tasks after one throws or rejects', async () => {
    const queue = new SerialQueue();
    const sync = queue.run(() => {
      throw new Error('sync boom');
    });
    const async = queue.run(async () => {
      await tick(1);
      throw new Error('async boom');
    });
    const after = queue.run(() => 'still runs');
    await expect(sync).rejects.toThrow('sync boom');
    await expect(async).rejects.toThrow('async boom');
    await expect(after).resolves.toBe('still runs');
  });

  it('counts tasks until they finish', async () => {
    const queue = new SerialQueue();
    let release!: () => void;
    const first = queue.run(() => new Promise<void>((resolve) => (release = resolve)));
    const second = queue.run(() => undefined);
    expect(queue.size).toBe(2);
    await tick(1);
    release();
    await Promise.all([first, second]);
    await tick(0);
    expect(queue.size).toBe(0);
  });

  it('lets separate queues proceed independently', async () => {
    const [slow, fast] = [new SerialQueue(), new SerialQueue()];
    const order: string[] = [];
    const slowDone = slow.run(async () => {
      await tick(30);
      order.push('slow');
    });
    const fastDone = fast.run(() => {
      order.push('fast');
    });
    await Promise.all([slowDone, fastDone]);
    expect(order).toEqual(['fast', 'slow']);
  });
});
