// Starts built Pantheon entry points (dist/<service>.js) as real child
// processes and waits for their `ready` log line.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface LogLine {
  event?: string;
  level?: string;
  msg?: string;
  [key: string]: unknown;
}

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  lines: LogLine[];
  stderr: string[];
  endpoints: Record<string, string>;
  /** Resolves with the first log line matching `predicate` (already seen or future). */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface StartOptions {
  env?: Record<string, string>;
  args?: string[];
  readyTimeoutMs?: number;
  /** Resolve as soon as the process starts (do not wait for `ready`). */
  noWait?: boolean;
  /** A command that runs node, e.g. ['prlimit', '--nofile=400:400', '--'] to start with a lower fd limit. */
  launcher?: string[];
}

export async function startService(name: string, configPath: string, options: StartOptions = {}): Promise<ServiceProcess> {
  const entry = join(repoRoot, 'dist', `${name}.js`);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run "npm run build" first`);
  const [command, ...prefix] = [...(options.launcher ?? []), process.execPath];
  const child = spawn(command, [...prefix, entry, '--config', configPath, ...(options.args ?? [])], {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const stderr: string[] = [];
  const waiters: { predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const text = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { msg: text };
      }
      lines.push(line);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i].predicate(line)) waiters.splice(i, 1)[0].resolve(line);
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code, signal) => resolveExit(code ?? (signal ? -1 : null))));

  const processHandle: ServiceProcess = {
    name,
    child,
    pid: child.pid!,
    lines,
    stderr,
    endpoints: {},
    exited,
    waitForLog(predicate, timeoutMs = 15_000) {
      const seen = lines.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolveLine, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`${name}: no matching log line within ${timeoutMs} ms. stderr: ${stderr.join('')}\nlast lines: ${lines.slice(-10).map((l) => JSON.stringify(l)).join('\n')}`));
        }, timeoutMs);
        const waiter = {
          predicate,
          resolve: (line: LogLine) => {
            clearTimeout(timer);
            resolveLine(line);
          },
        };
        waiters.push(waiter);
        void exited.then((code) => {
          if (waiters.includes(waiter)) {
            clearTimeout(timer);
            reject(new Error(`${name} exited with ${code} before the expected log line. stderr: ${stderr.join('')}\nlast lines: ${lines.slice(-10).map((l) => JSON.stringify(l)).join('\n')}`));
          }
        });
      });
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  if (!options.noWait) {
    const ready = await processHandle.waitForLog((line) => line.event === 'ready', options.readyTimeoutMs ?? 20_000);
    processHandle.endpoints = (ready.endpoints as Record<string, string>) ?? {};
  }
  return processHandle;
}
