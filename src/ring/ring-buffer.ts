// A single-producer single-consumer ring of variable-length messages in a
// SharedArrayBuffer: the only channel between the gate's control plane and a
// data-plane worker (one ring per direction per worker). No locks: the
// producer owns `head`, the consumer owns `tail`, both only ever grow
// (mod 2^32), and Atomics give the ordering. A doorbell word lets the
// consumer sleep with Atomics.waitAsync instead of polling; the producer
// rings it only when the consumer said it is asleep, because a notify that
// wakes another thread's event loop costs far more than the write itself.
//
// Hot path: writes copy straight into shared memory; reads copy one message
// out (the decoder needs it to outlive the slot). No per-message allocation
// besides that copy.

const HEAD = 0;
const TAIL = 1;
const DOORBELL = 2;
const SLEEPING = 3; // 1 while the consumer waits on the doorbell
const HEADER_INTS = 16; // 64 bytes: keeps the indices off the data's cache lines
const LENGTH_BYTES = 4;

export interface RingStats {
  capacity: number;
  used: number;
}

export function createRingBuffer(capacityBytes: number): SharedArrayBuffer {
  if (capacityBytes < 1024 || (capacityBytes & (capacityBytes - 1)) !== 0) {
    throw new RangeError(`ring capacity must be a power of two >= 1024, got ${capacityBytes}`);
  }
  return new SharedArrayBuffer(HEADER_INTS * 4 + capacityBytes);
}

class RingView {
  protected readonly header: Int32Array;
  protected readonly data: Uint8Array;
  protected readonly capacity: number;
  protected readonly mask: number;

  constructor(buffer: SharedArrayBuffer) {
    this.header = new Int32Array(buffer, 0, HEADER_INTS);
    this.data = new Uint8Array(buffer, HEADER_INTS * 4);
    this.capacity = this.data.length;
    this.mask = this.capacity - 1;
  }

  /** Largest message the ring accepts (a quarter, so one big message cannot starve the rest). */
  get maxMessageBytes(): number {
    return this.capacity / 4 - LENGTH_BYTES;
  }

  stats(): RingStats {
    return { capacity: this.capacity, used: (Atomics.load(this.header, HEAD) - Atomics.load(this.header, TAIL)) >>> 0 };
  }
}

export class RingWriter extends RingView {
  /** Writes and rings the doorbell. Returns false when the ring has no room now; the caller keeps the message and retries. */
  tryWrite(message: Uint8Array): boolean {
    if (!this.tryWriteQuietly(message)) return false;
    this.ringDoorbell();
    return true;
  }

  /**
   * Writes without waking the consumer: a producer that writes several
   * messages in one event-loop turn rings once (ringDoorbell) after them,
   * because waking another thread costs far more than writing.
   */
  tryWriteQuietly(message: Uint8Array): boolean {
    if (message.length > this.maxMessageBytes) {
      throw new RangeError(`ring message of ${message.length} bytes exceeds the limit of ${this.maxMessageBytes}`);
    }
    const head = Atomics.load(this.header, HEAD) >>> 0;
    const tail = Atomics.load(this.header, TAIL) >>> 0;
    const needed = LENGTH_BYTES + message.length;
    if (this.capacity - ((head - tail) >>> 0) < needed) return false;
    const length = message.length;
    this.putByte(head, length >>> 24);
    this.putByte(head + 1, (length >>> 16) & 0xff);
    this.putByte(head + 2, (length >>> 8) & 0xff);
    this.putByte(head + 3, length & 0xff);
    const start = (head + LENGTH_BYTES) & this.mask;
    const firstPart = Math.min(length, this.capacity - start);
    this.data.set(firstPart === length ? message : message.subarray(0, firstPart), start);
    if (firstPart < length) this.data.set(message.subarray(firstPart), 0);
    // Publishing head after the bytes are written is what makes them visible to the consumer.
    Atomics.store(this.header, HEAD, (head + needed) | 0);
    Atomics.add(this.header, DOORBELL, 1);
    return true;
  }

  /** Wakes the consumer if it said it is asleep. */
  ringDoorbell(): void {
    if (Atomics.load(this.header, SLEEPING) === 1 && Atomics.exchange(this.header, SLEEPING, 0) === 1) {
      Atomics.notify(this.header, DOORBELL, 1);
    }
  }

  private putByte(position: number, value: number): void {
    this.data[position & this.mask] = value;
  }
}

export class RingReader extends RingView {
  /** Reads every message available now, in order; returns how many. */
  drain(onMessage: (message: Uint8Array) => void): number {
    const head = Atomics.load(this.header, HEAD) >>> 0;
    let tail = Atomics.load(this.header, TAIL) >>> 0;
    let count = 0;
    while (tail !== head) {
      const d = this.data;
      const m = this.mask;
      const length = ((d[tail & m] << 24) | (d[(tail + 1) & m] << 16) | (d[(tail + 2) & m] << 8) | d[(tail + 3) & m]) >>> 0;
      const start = (tail + LENGTH_BYTES) & m;
      const message = new Uint8Array(length);
      const firstPart = Math.min(length, this.capacity - start);
      message.set(d.subarray(start, start + firstPart));
      if (firstPart < length) message.set(d.subarray(0, length - firstPart), firstPart);
      tail = (tail + LENGTH_BYTES + length) >>> 0;
      // Free the slot before handling, so a slow handler does not hold the producer back.
      Atomics.store(this.header, TAIL, tail | 0);
      count++;
      onMessage(message);
    }
    return count;
  }

  /**
   * Resolves when the producer may have written since `drain` last saw the
   * ring empty. Returns immediately if data is already there.
   */
  async waitForData(): Promise<void> {
    const seen = Atomics.load(this.header, DOORBELL);
    // Announce sleep before the last look: a producer that writes after this
    // store sees the flag and rings; one that wrote before it is seen here.
    Atomics.store(this.header, SLEEPING, 1);
    if (Atomics.load(this.header, HEAD) !== Atomics.load(this.header, TAIL)) {
      Atomics.store(this.header, SLEEPING, 0);
      return;
    }
    const waiting = Atomics.waitAsync(this.header, DOORBELL, seen);
    if (waiting.async) await waiting.value;
    Atomics.store(this.header, SLEEPING, 0);
  }

  /** Wakes a consumer blocked in waitForData (used on shutdown). */
  wake(): void {
    Atomics.store(this.header, SLEEPING, 0);
    Atomics.add(this.header, DOORBELL, 1);
    Atomics.notify(this.header, DOORBELL);
  }
}
