// Connections inside a worker live in buckets. One sweep timer visits a
// slice of the buckets per tick, so each connection's deadlines (handshake,
// heartbeat, request timeouts) are checked about once per sweep period
// without a timer per connection; broadcasts walk the buckets too.

export interface Bucketed {
  bucket: number;
}

export class ConnectionBuckets<T extends Bucketed> {
  private readonly buckets: Set<T>[];
  private cursor = 0;
  private timer: NodeJS.Timeout | null = null;
  private size_ = 0;

  constructor(readonly bucketCount = 64) {
    this.buckets = Array.from({ length: bucketCount }, () => new Set<T>());
  }

  add(item: T, hash: number): void {
    item.bucket = hash % this.bucketCount;
    this.buckets[item.bucket].add(item);
    this.size_++;
  }

  delete(item: T): void {
    if (this.buckets[item.bucket]?.delete(item)) this.size_--;
  }

  get size(): number {
    return this.size_;
  }

  forEach(visit: (item: T) => void): void {
    for (const bucket of this.buckets) for (const item of bucket) visit(item);
  }

  /** Visits every bucket once per `periodMs`, in `ticks` slices. */
  startSweep(periodMs: number, ticks: number, visit: (item: T, now: number) => void): void {
    const perTick = Math.ceil(this.bucketCount / ticks);
    this.timer = setInterval(() => {
      const now = Date.now();
      for (let i = 0; i < perTick; i++) {
        // Copy: a visit may close the connection, which removes it from the set.
        for (const item of [...this.buckets[this.cursor]]) visit(item, now);
        this.cursor = (this.cursor + 1) % this.bucketCount;
      }
    }, Math.max(1, Math.floor(periodMs / ticks)));
    this.timer.unref();
  }

  stopSweep(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
