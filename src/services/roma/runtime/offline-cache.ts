// Documents of recently offline players, least recently used first out, so a
// quick relogin skips the store. Entries can be stale (another instance may
// have saved since); the runtime's fencing save detects that and reloads.
import type { PlayerDoc } from '../../../store/index.js';

export class OfflineCache {
  private readonly docs = new Map<bigint, PlayerDoc>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.docs.size;
  }

  put(doc: PlayerDoc): void {
    if (this.capacity === 0) return;
    this.docs.delete(doc.playerId);
    this.docs.set(doc.playerId, doc);
    // A Map iterates in insertion order, so the first key is the least recently used.
    if (this.docs.size > this.capacity) this.docs.delete(this.docs.keys().next().value as bigint);
  }

  /** Removes and returns the entry: the actor built from it becomes the only copy. */
  take(playerId: bigint): PlayerDoc | undefined {
    const doc = this.docs.get(playerId);
    this.docs.delete(playerId);
    return doc;
  }

  peek(playerId: bigint): PlayerDoc | undefined {
    return this.docs.get(playerId);
  }
}
