import { describe, expect, it } from 'vitest';
import { PantheonError } from '../../src/common/errors.js';
import { defineModule, type Handler, type RomaModule } from '../../src/services/roma/module-api.js';
import { ModuleRegistry } from '../../src/services/roma/module-registry.js';
import { echoModule } from '../../src/services/roma/modules/echo.js';
import { romaModules } from '../../src/services/roma/modules/index.js';

const noop: Handler = () => new Uint8Array(0);

function registrationError(module: RomaModule): PantheonError {
  try {
    new ModuleRegistry([module]);
  } catch (error) {
    return error as PantheonError;
  }
  throw new Error('expected registration to fail');
}

describe('ModuleRegistry', () => {
  it('finds the handler registered for a module id and seq', () => {
    const handler: Handler = () => new Uint8Array([1]);
    const registry = new ModuleRegistry([defineModule({ id: 100, name: 'inventory', handlers: { 3: handler } })]);
    const lookup = registry.lookup(100, 3);
    expect(lookup.kind).toBe('found');
    expect(lookup.kind === 'found' && lookup.handler).toBe(handler);
    expect(lookup.kind === 'found' && lookup.module.name).toBe('inventory');
  });

  it('tells an unknown module apart from an unknown seq of a known module', () => {
    const registry = new ModuleRegistry([echoModule]);
    expect(registry.lookup(999, 1).kind).toBe('unknown_module');
    expect(registry.lookup(2, 999).kind).toBe('unknown_seq');
  });

  it('refuses two modules with the same id, naming both', () => {
    const registry = new ModuleRegistry([echoModule]);
    const register = () => registry.register({ id: 2, name: 'copycat', handlers: { 1: noop } });
    expect(register).toThrow(/id 2 is registered twice \("echo" and "copycat"\)/);
    expect(register).toThrow(expect.objectContaining({ code: 'ROMA_MODULE_DUPLICATE' }));
  });

  it('refuses the gate-owned System module id and out-of-range ids', () => {
    expect(registrationError({ id: 1, name: 'system', handlers: { 1: noop } }).code).toBe('ROMA_MODULE_INVALID');
    expect(registrationError({ id: 0, name: 'zero', handlers: { 1: noop } }).message).toMatch(/id must be an integer between 2 and/);
    expect(registrationError({ id: 2.5, name: 'half', handlers: { 1: noop } }).code).toBe('ROMA_MODULE_INVALID');
  });

  it('refuses a module without a name, without handlers, with a bad seq or a non-function handler', () => {
    expect(registrationError({ id: 100, name: '', handlers: { 1: noop } }).message).toMatch(/needs a non-empty name/);
    expect(registrationError({ id: 100, name: 'empty', handlers: {} }).message).toMatch(/has no handlers/);
    expect(registrationError({ id: 100, name: 'zero-seq', handlers: { 0: noop } }).message).toMatch(/handler key "0"/);
    expect(registrationError({ id: 100, name: 'not-fn', handlers: { 1: 'nope' as unknown as Handler } }).message).toMatch(/must be a function, got string/);
  });

  it('registers every built-in module, Echo among them', () => {
    const registry = new ModuleRegistry(romaModules);
    expect(registry.modules().map((m) => [m.id, m.name])).toContainEqual([2, 'echo']);
    expect(registry.lookup(2, 1).kind).toBe('found');
  });
});
