// Runs async tasks one at a time in the order they were added. Each Roma
// session has one, so a player's requests never overtake each other while
// different sessions proceed independently.

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** Tasks added and not yet finished (including the one running). */
  get size(): number {
    return this.waiting;
  }

  /**
   * Starts `task` after every earlier task has settled. A task that throws or
   * rejects only rejects its own promise; the tasks after it still run.
   */
  run<T>(task: () => Promise<T> | T): Promise<T> {
    this.waiting++;
    const result = this.tail.then(() => task());
    const settled = () => {
      this.waiting--;
    };
    this.tail = result.then(settled, settled);
    return result;
  }
}
