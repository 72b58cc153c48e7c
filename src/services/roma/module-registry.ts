// Which handler answers (mod, seq). Modules register declaratively at start;
// the registry validates them once so lookups on the request path are two
// Map reads. It knows nothing about sessions or transport.
import { PantheonError } from '../../common/errors.js';
import type { Handler, RomaModule } from './module-api.js';

/** Module 1 (System) is answered by the gate and never reaches Roma. */
export const FIRST_ROMA_MODULE_ID = 2;
const MAX_ID = 2 ** 31 - 1;

export type HandlerLookup =
  | { kind: 'found'; module: RomaModule; handler: Handler }
  | { kind: 'unknown_module' }
  | { kind: 'unknown_seq'; module: RomaModule };

interface RegisteredModule {
  module: RomaModule;
  handlers: Map<number, Handler>;
}

export class ModuleRegistry {
  private readonly byId = new Map<number, RegisteredModule>();

  constructor(modules: readonly RomaModule[] = []) {
    for (const module of modules) this.register(module);
  }

  register(module: RomaModule): void {
    validateModule(module);
    const existing = this.byId.get(module.id);
    if (existing) {
      throw new PantheonError(
        'ROMA_MODULE_DUPLICATE',
        `module id ${module.id} is registered twice ("${existing.module.name}" and "${module.name}"); give each module its own id`,
      );
    }
    const handlers = new Map<number, Handler>();
    for (const [seq, handler] of Object.entries(module.handlers)) handlers.set(Number(seq), handler);
    this.byId.set(module.id, { module, handlers });
  }

  lookup(mod: number, seq: number): HandlerLookup {
    const registered = this.byId.get(mod);
    if (!registered) return { kind: 'unknown_module' };
    const handler = registered.handlers.get(seq);
    if (!handler) return { kind: 'unknown_seq', module: registered.module };
    return { kind: 'found', module: registered.module, handler };
  }

  modules(): RomaModule[] {
    return [...this.byId.values()].map((registered) => registered.module);
  }
}

function validateModule(module: RomaModule): void {
  const label = `module ${JSON.stringify(module.name)} (id ${String(module.id)})`;
  if (typeof module.name !== 'string' || module.name.length === 0) {
    throw new PantheonError('ROMA_MODULE_INVALID', `module id ${String(module.id)} needs a non-empty name`);
  }
  if (!Number.isInteger(module.id) || module.id < FIRST_ROMA_MODULE_ID || module.id > MAX_ID) {
    throw new PantheonError('ROMA_MODULE_INVALID', `${label}: id must be an integer between ${FIRST_ROMA_MODULE_ID} and ${MAX_ID} (1 is the gate's System module)`);
  }
  const entries = Object.entries(module.handlers ?? {});
  if (entries.length === 0) {
    throw new PantheonError('ROMA_MODULE_INVALID', `${label} has no handlers; add at least one { [seq]: handler }`);
  }
  for (const [key, handler] of entries) {
    const seq = Number(key);
    if (!Number.isInteger(seq) || seq < 1 || seq > MAX_ID || String(seq) !== key) {
      throw new PantheonError('ROMA_MODULE_INVALID', `${label}: handler key "${key}" must be a seq number between 1 and ${MAX_ID}`);
    }
    if (typeof handler !== 'function') {
      throw new PantheonError('ROMA_MODULE_INVALID', `${label}: handler for seq ${seq} must be a function, got ${typeof handler}`);
    }
  }
}
