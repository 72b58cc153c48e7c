#!/usr/bin/env node
// Regenerates TypeScript from proto/ with ts-proto, using the protoc binary
// shipped in the `protoc` npm package. Usage: node scripts/gen-proto.mjs [outDir]
// (default src/gen). test/unit/generated-code.test.ts runs it into a temp dir
// and fails when the committed code is stale.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(process.argv[2] ?? join(root, 'src/gen'));
const protoDir = join(root, 'proto');

function protoFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return protoFiles(path);
    return name.endsWith('.proto') ? [relative(protoDir, path)] : [];
  });
}

const options = [
  'esModuleInterop=true',
  'forceLong=bigint',
  'outputServices=grpc-js',
  'importSuffix=.js',
  'env=both',
  'oneof=unions-value',
  'useDate=false',
  'outputTypeRegistry=false',
].join(',');

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
execFileSync(
  process.execPath,
  [
    join(root, 'node_modules/protoc/protoc.cjs'),
    `--plugin=protoc-gen-ts_proto=${join(root, 'node_modules/.bin/protoc-gen-ts_proto')}`,
    `--ts_proto_out=${outDir}`,
    `--ts_proto_opt=${options}`,
    `-I${protoDir}`,
    ...protoFiles(protoDir).sort(),
  ],
  { stdio: 'inherit', cwd: root },
);
