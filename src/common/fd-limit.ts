// The process's open-file limit, read from /proc (Node has no getrlimit).
// The gate caps its connections below it: once accept() fails with EMFILE
// the listening socket stays readable, and uWS's event loop spins on it at
// 100% CPU in every worker while no new player can get in.
import { readFileSync } from 'node:fs';

/** Soft RLIMIT_NOFILE of this process, or null where it cannot be read or is unlimited. */
export function openFileLimit(limitsFile = '/proc/self/limits'): number | null {
  try {
    const line = readFileSync(limitsFile, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.slice('Max open files'.length).trim().split(/\s+/)[0]);
    return Number.isFinite(soft) && soft > 0 ? soft : null;
  } catch {
    return null;
  }
}

/** File descriptors kept back from client connections: listeners, gRPC, Redis, etcd, logs, the store. */
export const FD_RESERVE = 256;

/**
 * max_connections as configured, or lower when the fd limit cannot hold that
 * many: `limit - FD_RESERVE`, at least 1. `clampedFrom` is set when lowered.
 */
export function connectionCapFor(configured: number, fdLimit: number | null): { maxConnections: number; clampedFrom?: number } {
  if (fdLimit === null || configured <= fdLimit - FD_RESERVE) return { maxConnections: configured };
  return { maxConnections: Math.max(1, fdLimit - FD_RESERVE), clampedFrom: configured };
}
