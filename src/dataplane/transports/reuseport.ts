// Loads the SO_REUSEPORT addon built by `npm run build:native`.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PantheonError } from '../../common/errors.js';

const addonPath = fileURLToPath(new URL('../../../native/reuseport/build/Release/reuseport.node', import.meta.url));

interface ReusePortAddon {
  openReusePortListener(host: string, port: number, backlog: number): number;
}

let addon: ReusePortAddon | null = null;

export function openReusePortListener(host: string, port: number, backlog: number): number {
  if (!addon) {
    if (!existsSync(addonPath)) {
      throw new PantheonError('NATIVE_ADDON_MISSING', `${addonPath} is missing: run "npm run build" (it compiles native/reuseport with node-gyp)`);
    }
    addon = createRequire(import.meta.url)(addonPath) as ReusePortAddon;
  }
  try {
    return addon.openReusePortListener(host, port, backlog);
  } catch (error) {
    throw new PantheonError('LISTEN_FAILED', `cannot listen for TCP on ${host}:${port}: ${(error as Error).message}`);
  }
}
