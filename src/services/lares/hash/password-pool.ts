// PasswordHasher backed by a piscina thread pool, so scrypt (tens of ms per
// call) never blocks the HTTP loop. The worker is the compiled hash-worker.js
// next to this module, which is why this only runs from dist/ (or with
// `workerUrl` pointing at a built worker).
import { Piscina } from 'piscina';
import type { PasswordHasher } from '../biz/password-hasher.js';
import type { HashTask } from './hash-worker.js';

export class PasswordPool implements PasswordHasher {
  private readonly pool: Piscina<HashTask, string | boolean>;

  constructor(threads: number, workerUrl: URL = new URL('./hash-worker.js', import.meta.url)) {
    this.pool = new Piscina({ filename: workerUrl.href, minThreads: threads, maxThreads: threads });
  }

  async hash(password: string): Promise<string> {
    return (await this.pool.run({ op: 'hash', password })) as string;
  }

  async verify(password: string, stored: string): Promise<boolean> {
    return (await this.pool.run({ op: 'verify', password, stored })) as boolean;
  }

  /** Waits for queued tasks, then ends the threads. */
  async close(): Promise<void> {
    await this.pool.close();
  }
}
