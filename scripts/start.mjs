#!/usr/bin/env node
// `npm start`: builds if needed, then runs Roma, Lares, the gate and Senate
// as separate processes on the embedded defaults (configs/pantheon.yaml, or
// --config FILE), plus one room-role Roma per registry.room entry. Prints
// where each listens; Ctrl-C stops them all cleanly.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ensureBuilt } from './ensure-built.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const configArgs = args.includes('--config') ? [] : ['--config', join(root, 'configs/pantheon.yaml')];
const verbose = args.includes('--verbose');
const forwarded = args.filter((a) => a !== '--verbose');
const configPath = args.includes('--config') ? args[args.indexOf('--config') + 1] : configArgs[1];

/**
 * Room-role Roma processes: the same roma entry point with its identity from
 * the registry.room entry (env overrides win over the file), so the file
 * needs no second roma section. Their HTTP port is chosen by the OS.
 */
function roomInstances() {
  const rooms = parse(readFileSync(configPath, 'utf8'))?.registry?.room ?? [];
  return rooms.map((room) => ({
    name: room.id,
    script: 'roma',
    env: { PANTHEON_ROMA__ID: room.id, PANTHEON_ROMA__ROLE: 'room', PANTHEON_ROMA__GRPC__PORT: room.grpc_address.split(':').pop(), PANTHEON_ROMA__HTTP__PORT: '0' },
  }));
}

const SERVICES = [{ name: 'roma' }, ...roomInstances(), { name: 'lares' }, { name: 'gate' }, { name: 'senate' }];

ensureBuilt();

const children = new Map();
const ready = new Map();
let stopping = false;

function print(service, line) {
  let event;
  try {
    event = JSON.parse(line);
  } catch {
    process.stdout.write(`[${service}] ${line}\n`);
    return;
  }
  if (event.event === 'ready') {
    ready.set(service, event.endpoints);
    if (ready.size === SERVICES.length) printSummary();
    return;
  }
  const important = event.level === 'warn' || event.level === 'error' || event.level === 'fatal';
  if (verbose || important) process.stdout.write(`[${service}] ${event.level} ${event.msg ?? ''}${event.err ? `: ${event.err.message}` : ''}\n`);
}

function printSummary() {
  const rows = [
    ['Lares HTTP (accounts, tokens)', ready.get('lares').http],
    ['Gate WebSocket', ready.get('gate').ws],
    ['Gate TCP', ready.get('gate').tcp],
    ['Gate admin (health, stats)', ready.get('gate').admin],
    ['Gate gRPC', ready.get('gate').grpc],
    ['Roma gRPC (tunnel, admin)', ready.get('roma').grpc],
    ...SERVICES.filter((s) => s.script === 'roma').map((s) => [`Room Roma ${s.name} gRPC`, ready.get(s.name).grpc]),
    ['Senate gRPC', ready.get('senate').grpc],
    ['Senate HTTP', ready.get('senate').http],
  ];
  process.stdout.write('\nPantheon is running (embedded mode: no Redis, etcd or MongoDB needed)\n');
  for (const [name, where] of rows) process.stdout.write(`  ${name.padEnd(32)} ${where ?? '-'}\n`);
  process.stdout.write('\nTry it from another terminal:  npm run demo\nStop with Ctrl-C.  (--verbose shows every log line)\n\n');
}

function startService({ name: service, script = service, env = {} }) {
  const child = spawn(process.execPath, [join(root, 'dist', `${script}.js`), ...configArgs, ...forwarded], {
    cwd: process.cwd(),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: Ctrl-C reaches only this launcher, which stops children in order.
    detached: true,
  });
  children.set(service, child);
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      print(service, buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk) => process.stderr.write(`[${service}] ${chunk}`));
  child.on('exit', (code, signal) => {
    children.delete(service);
    if (!stopping) {
      process.stderr.write(`[${service}] exited unexpectedly (${signal ?? `code ${code}`}); stopping the cluster\n`);
      stopAll(1);
    } else if (children.size === 0) {
      process.stdout.write('all services stopped\n');
      process.exit(process.exitCode ?? 0);
    }
  });
}

function stopAll(exitCode = 0) {
  if (stopping) return;
  stopping = true;
  process.exitCode = exitCode;
  if (children.size === 0) process.exit(exitCode);
  process.stdout.write('\nstopping...\n');
  // The gate first: it drains its players (answering what is in flight) while
  // the game services behind it are still up; then everything else.
  const gate = children.get('gate');
  const rest = () => {
    for (const [name, child] of children) if (name !== 'gate') child.kill('SIGTERM');
  };
  if (gate) {
    gate.once('exit', rest);
    gate.kill('SIGTERM');
  } else {
    rest();
  }
  setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
  }, 15_000).unref();
}

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
process.on('exit', () => {
  for (const child of children.values()) child.kill('SIGKILL');
});
for (const service of SERVICES) startService(service);
