// Connection counts shared by every worker of a gate through one
// SharedArrayBuffer: the gate total (one atomic counter) and per-IP counts
// in a count-min sketch (two rows of atomic counters, two hashes). Workers
// enforce max_connections and max_connections_per_ip at accept without
// asking the control plane. The sketch can only over-count, so no address
// gets past its limit; an innocent address is refused wrongly only when both
// of its cells are shared with busy addresses (rare at 2 x 2^18 cells).

const ROW_CELLS = 1 << 18;
const TOTAL = 0;
const ROWS_START = 16; // keep the total on its own cache line

export function createConnectionCounts(): SharedArrayBuffer {
  return new SharedArrayBuffer((ROWS_START + 2 * ROW_CELLS) * 4);
}

export type AdmitResult = 'ok' | 'gate_full' | 'ip_full';

export class ConnectionCounts {
  private readonly cells: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.cells = new Int32Array(buffer);
  }

  /** Counts the connection if both limits allow it; otherwise counts nothing. */
  admit(ip: string, maxTotal: number, maxPerIp: number): AdmitResult {
    if (Atomics.add(this.cells, TOTAL, 1) >= maxTotal) {
      Atomics.sub(this.cells, TOTAL, 1);
      return 'gate_full';
    }
    const [a, b] = cellsFor(ip);
    const countA = Atomics.add(this.cells, a, 1);
    const countB = Atomics.add(this.cells, b, 1);
    if (Math.min(countA, countB) >= maxPerIp) {
      this.release(ip);
      return 'ip_full';
    }
    return 'ok';
  }

  release(ip: string): void {
    const [a, b] = cellsFor(ip);
    Atomics.sub(this.cells, TOTAL, 1);
    Atomics.sub(this.cells, a, 1);
    Atomics.sub(this.cells, b, 1);
  }

  get total(): number {
    return Atomics.load(this.cells, TOTAL);
  }

  /** The sketch's estimate for one address (never below the truth). */
  estimate(ip: string): number {
    const [a, b] = cellsFor(ip);
    return Math.min(Atomics.load(this.cells, a), Atomics.load(this.cells, b));
  }
}

/** FNV-1a and a multiplicative variant: two independent-enough cell indexes. */
function cellsFor(ip: string): [number, number] {
  let h1 = 0x811c9dc5;
  let h2 = 0x9e3779b9;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 + c, 0x85ebca6b) ^ (h2 >>> 13);
  }
  return [ROWS_START + ((h1 >>> 0) & (ROW_CELLS - 1)), ROWS_START + ROW_CELLS + ((h2 >>> 0) & (ROW_CELLS - 1))];
}
