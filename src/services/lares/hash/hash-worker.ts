// Piscina worker: runs scrypt off the HTTP event loop. One task per call;
// the password crosses the thread boundary and is never logged here.
import { hashPassword, verifyPassword } from './scrypt.js';

export type HashTask = { op: 'hash'; password: string } | { op: 'verify'; password: string; stored: string };

export default function runHashTask(task: HashTask): string | boolean {
  return task.op === 'hash' ? hashPassword(task.password) : verifyPassword(task.password, task.stored);
}
