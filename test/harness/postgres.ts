// A real PostgreSQL for tests: initdb into a temp dir, pg_ctl start on a free
// loopback port (trust auth, fsync off), one database per test file, stopped
// and removed by dispose(). PostgreSQL refuses to run as root, so as root the
// server runs as the postgres user (runuser) and its dirs belong to it.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports.js';

const run = promisify(execFile);
const USER = 'app';
const START_ATTEMPTS = 3;

export interface TestPostgres {
  port: number;
  /** postgres://app@127.0.0.1:<port>/<database> */
  urlFor(database: string): string;
  /** Creates an empty database (name: lower-case letters, digits, _) and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Runs one statement as the superuser in `database` (e.g. CREATE SCHEMA) and returns its rows. */
  exec(database: string, sql: string): Promise<Record<string, unknown>[]>;
  /** Stops the server and removes its files; call in afterAll. */
  dispose(): Promise<void>;
}

const running = new Set<string>();

// Last line of defence: a test run that dies before dispose() must not leave a postmaster behind.
process.once('exit', () => {
  for (const dataDir of running) {
    try {
      execFileSync(...asPostgres(pgBin('pg_ctl'), ['-D', dataDir, '-m', 'immediate', 'stop']), { stdio: 'ignore' });
    } catch {
      // Nothing more can be done while the process exits; the server may already be gone.
    }
  }
});

export async function startPostgres(): Promise<TestPostgres> {
  const root = mkdtempSync(join(tmpdir(), 'pantheon-pg-'));
  // mkdtemp makes 0700 dirs; the postgres user must be able to walk into its own.
  chmodSync(root, 0o755);
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'sock');
  try {
    await makeOwnedDirs(dataDir, socketDir);
    await run(...asPostgres(pgBin('initdb'), ['-D', dataDir, '-U', USER, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']));
    const port = await startServer(dataDir, socketDir);
    running.add(dataDir);
    const urlFor = (database: string) => `postgres://${USER}@127.0.0.1:${port}/${database}`;
    const exec = async (database: string, sql: string) => {
      const client = new pg.Client({ connectionString: urlFor(database) });
      await client.connect();
      try {
        return (await client.query(sql)).rows as Record<string, unknown>[];
      } finally {
        await client.end();
      }
    };
    return {
      port,
      urlFor,
      exec,
      async createDatabase(name) {
        if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`database name must be lower-case letters, digits and _, got ${name}`);
        await exec('postgres', `CREATE DATABASE ${name}`);
        return urlFor(name);
      },
      async dispose() {
        running.delete(dataDir);
        await run(...asPostgres(pgBin('pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']));
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

/** pg_ctl -w returns once the server accepts connections; a port taken meanwhile is retried on another. */
async function startServer(dataDir: string, socketDir: string): Promise<number> {
  const log = join(socketDir, 'postgres.log');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const serverOptions = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    try {
      await run(...asPostgres(pgBin('pg_ctl'), ['-D', dataDir, '-l', log, '-o', serverOptions, '-w', '-t', '30', 'start']));
      return port;
    } catch (error) {
      if (attempt >= START_ATTEMPTS) throw new Error(`PostgreSQL did not start (log: ${log}): ${(error as Error).message}`);
    }
  }
}

async function makeOwnedDirs(...dirs: string[]): Promise<void> {
  if (process.getuid?.() !== 0) {
    for (const dir of dirs) mkdirSync(dir, { mode: 0o700 });
    return;
  }
  await run('install', ['-d', '-m', '0700', '-o', 'postgres', '-g', 'postgres', ...dirs]);
}

function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

/** PG_BIN wins; otherwise the newest Debian install; otherwise whatever PATH finds. */
function pgBin(tool: string): string {
  if (process.env.PG_BIN) return join(process.env.PG_BIN, tool);
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) if (existsSync(join(base, version, 'bin', tool))) return join(base, version, 'bin', tool);
  }
  return tool;
}
