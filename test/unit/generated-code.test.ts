import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('generated protobuf code', () => {
  it('matches what scripts/gen-proto.mjs produces from proto/ (run "npm run gen:proto" if this fails)', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'pantheon-gen-'));
    execFileSync(process.execPath, ['scripts/gen-proto.mjs', fresh]);
    const committed = 'src/gen';
    const freshFiles = files(fresh).map((f) => relative(fresh, f)).sort();
    expect(files(committed).map((f) => relative(committed, f)).sort()).toEqual(freshFiles);
    for (const file of freshFiles) {
      expect(readFileSync(join(committed, file), 'utf8'), `${file} is stale`).toBe(readFileSync(join(fresh, file), 'utf8'));
    }
  });
});
