// The browser entry must bundle for platform 'browser' with no Node built-ins:
// esbuild refuses node: imports there unless they are marked external, and
// none are. The Node entry is bundled too, as proof that the check bites.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const bundle = (entry: string) => build({ entryPoints: [entry], bundle: true, write: false, platform: 'browser', format: 'esm', metafile: true, logLevel: 'silent' });

describe('SDK browser bundle', () => {
  it('bundles src/sdk/index.ts for the browser with no Node built-ins', async () => {
    const result = await bundle('src/sdk/index.ts');
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain('src/sdk/client.ts');
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    for (const input of Object.values(result.metafile.inputs)) {
      for (const imported of input.imports) expect(builtins.has(imported.path), imported.path).toBe(false);
    }
    expect(inputs.filter((path) => path.includes('src/sdk/transports/tcp') || path.endsWith('src/sdk/node.ts'))).toEqual([]);
  });

  it('uses no Buffer in the SDK and protocol sources it bundles', async () => {
    const result = await bundle('src/sdk/index.ts');
    const ours = Object.keys(result.metafile.inputs).filter((path) => path.startsWith('src/') && !path.startsWith('src/gen/'));
    const code = (path: string) => readFileSync(path, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''); // comments may say "no Buffer"
    for (const path of ours) expect(code(path), path).not.toMatch(/\bBuffer\b/);
  });

  it('refuses the Node entry, which imports node:net and node:zlib', async () => {
    await expect(bundle('src/sdk/node.ts')).rejects.toThrow(/node:(net|zlib)/);
  });
});
