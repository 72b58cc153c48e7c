// Undoes a start that failed halfway. A process that exits with a uWS app
// still listening in one of its worker threads aborts in Node's loop teardown
// (a core dump and exit by signal, not the clear `failed to start` line), and a
// half-open registry lease or Redis connection would outlive the error too.
import type { Logger } from './logger.js';

export class StartupRollback {
  private readonly closers: Array<{ what: string; close: () => unknown }> = [];

  constructor(private readonly logger: Logger) {}

  /** Registers how to close something that just started; closed newest first on failure. */
  add(what: string, close: () => unknown): void {
    this.closers.push({ what, close });
  }

  /** Runs `start`; if it throws, closes everything registered so far and rethrows the original error. */
  async run<T>(start: () => Promise<T>): Promise<T> {
    try {
      return await start();
    } catch (error) {
      for (const { what, close } of this.closers.reverse()) {
        try {
          await close();
        } catch (closeError) {
          this.logger.warn({ event: 'startup_rollback_failed', what, err: closeError }, `could not close ${what} after a failed start`);
        }
      }
      throw error;
    }
  }
}
