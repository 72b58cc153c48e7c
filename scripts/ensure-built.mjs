#!/usr/bin/env node
// Builds (native addon + TypeScript) when dist/ is missing or older than the
// sources, so `npm start` and `npm run demo` work straight after `npm ci`.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist/.build-stamp');

function newest(dir) {
  let latest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    latest = Math.max(latest, stat.isDirectory() ? newest(path) : stat.mtimeMs);
  }
  return latest;
}

export function ensureBuilt() {
  const addon = join(root, 'native/reuseport/build/Release/reuseport.node');
  const sourcesChanged = !existsSync(stamp) || newest(join(root, 'src')) > statSync(stamp).mtimeMs;
  if (!sourcesChanged && existsSync(addon)) return;
  process.stdout.write('building (npm run build)...\n');
  execSync('npm run build --silent', { cwd: root, stdio: 'inherit' });
}

/** Called by `npm run build:ts` after tsc succeeds. */
export function writeStamp() {
  writeFileSync(stamp, new Date().toISOString() + '\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--stamp')) writeStamp();
  else ensureBuilt();
}
