// SIGHUP: re-read the config file (and environment) and apply what can
// change without dropping a connection. An invalid file is rejected as a
// whole and the old config stays; settings that cannot change live are
// reported as "needs restart" and keep their old values until then.
import { loadConfig, type PantheonConfig } from '../common/config/index.js';
import { errorMessage } from '../common/errors.js';

/** Gate-relevant keys that apply live; everything else under these sections needs a restart. */
const RELOADABLE = [
  'log.level',
  'gate.limits',
  'gate.circuit',
  'gate.compress_threshold_bytes',
  'gate.max_inflated_bytes',
  'gate.heartbeat_interval_ms',
  'gate.handshake_timeout_ms',
  'gate.backend_timeout_ms',
  'gate.route_timeout_ms',
  'gate.max_pending_per_session',
  'gate.module_services',
  'gate.keyed_modules',
  'gate.drain_grace_ms',
  'gate.weight',
  'router.fallback_color',
  'router.route_ttl_ms',
  'registry.roma',
  'registry.gate',
  'registry.room',
];
/** Sections the gate does not read: changes there are other processes' business. */
const IGNORED = ['lares', 'roma', 'senate'];

export interface ConfigChange {
  applied: string[];
  needsRestart: string[];
}

export type ReloadResult = { ok: true; config: PantheonConfig; change: ConfigChange } | { ok: false; error: string };

export function reloadConfig(path: string, current: PantheonConfig, env: NodeJS.ProcessEnv = process.env): ReloadResult {
  let next: PantheonConfig;
  try {
    next = loadConfig(path, env).config;
  } catch (error) {
    return { ok: false, error: errorMessage(error) };
  }
  const change = diffConfig(current, next);
  // Keys that cannot change live keep their running values, so the config in
  // force stays the one the process actually runs with.
  let merged = next;
  for (const key of change.needsRestart) merged = setAt(merged, key, valueAt(current, key));
  return { ok: true, config: merged, change };
}

export function diffConfig(current: PantheonConfig, next: PantheonConfig): ConfigChange {
  const applied: string[] = [];
  const needsRestart: string[] = [];
  for (const key of changedLeaves(current, next)) {
    if (IGNORED.some((section) => key === section || key.startsWith(`${section}.`))) continue;
    const reloadable = RELOADABLE.some((prefix) => key === prefix || key.startsWith(`${prefix}.`));
    (reloadable ? applied : needsRestart).push(key);
  }
  return { applied: collapse(applied), needsRestart: collapse(needsRestart) };
}

function changedLeaves(a: unknown, b: unknown, path = ''): string[] {
  const bothObjects = isPlainObject(a) && isPlainObject(b);
  if (!bothObjects) return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
  const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
  return [...keys].flatMap((key) => changedLeaves((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], path ? `${path}.${key}` : key));
}

/** Arrays (e.g. registry.roma) are reported once, not per element field. */
function collapse(keys: string[]): string[] {
  return [...new Set(keys.map((key) => key.replace(/\.\d+(\..*)?$/, '')))].sort();
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAt(root: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (isPlainObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[part] : undefined), root);
}

function setAt<T>(root: T, key: string, value: unknown): T {
  const [head, ...rest] = key.split('.');
  const node = { ...(root as Record<string, unknown>) };
  node[head] = rest.length === 0 ? value : setAt(node[head] ?? {}, rest.join('.'), value);
  return node as T;
}
