// Loads the YAML config, applies PANTHEON_* environment overrides, validates
// it, and reports every problem with the key, what was expected and what was
// found. A process with a bad config never starts.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { PantheonError } from '../errors.js';
import { configSchema, type PantheonConfig } from './schema.js';

export const DEFAULT_CONFIG_PATH = 'configs/pantheon.yaml';
export const ENV_PREFIX = 'PANTHEON_';

export interface LoadedConfig {
  config: PantheonConfig;
  path: string;
  /** The env variables that overrode keys, for the start-up log line. */
  overrides: string[];
}

/** `--config <path>` wins over `PANTHEON_CONFIG`, which wins over the default path. */
export function configPathFrom(argv: readonly string[], env: NodeJS.ProcessEnv): string {
  const flag = argv.indexOf('--config');
  if (flag >= 0) {
    const value = argv[flag + 1];
    if (!value) throw new PantheonError('CONFIG_INVALID', '--config needs a file path, e.g. --config configs/pantheon.yaml');
    return resolve(value);
  }
  return resolve(env.PANTHEON_CONFIG ?? DEFAULT_CONFIG_PATH);
}

export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PantheonError('CONFIG_NOT_FOUND', `cannot read config file ${path}: ${(error as Error).message}. Pass --config <file> or set PANTHEON_CONFIG.`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
    throw new PantheonError('CONFIG_INVALID', `config file ${path} is not valid YAML${where}: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PantheonError('CONFIG_INVALID', `config file ${path} must hold a mapping of keys at the top level`);
  }
  const overrides = applyEnvOverrides(raw as Record<string, unknown>, env);
  return { config: validateConfig(raw, `${path}${overrides.length ? ` with ${overrides.join(', ')}` : ''}`), path, overrides };
}

/** Validates an already-parsed object; `source` names where it came from in error messages. */
export function validateConfig(raw: unknown, source: string): PantheonConfig {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => describeIssue(issue, raw));
  throw new PantheonError('CONFIG_INVALID', `invalid config (${source}):\n  - ${problems.join('\n  - ')}`);
}

/**
 * PANTHEON_GATE__MAX_FRAME_BYTES=131072 sets gate.max_frame_bytes: one
 * underscore after the prefix, double underscores between levels, values
 * parsed as YAML scalars (so numbers and booleans keep their type).
 */
export function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): string[] {
  const applied: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || name === 'PANTHEON_CONFIG' || value === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).toLowerCase().split('__');
    if (path.some((part) => part.length === 0)) continue;
    let target: Record<string, unknown> = raw;
    for (const key of path.slice(0, -1)) {
      const next = target[key];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[path[path.length - 1]] = parseScalar(value);
    applied.push(name);
  }
  return applied.sort();
}

function parseScalar(value: string): unknown {
  try {
    return parseYaml(value);
  } catch {
    // Not a YAML scalar (e.g. "a: b: c"): keep the raw string and let validation judge it.
    return value;
  }
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const key = issue.path.length ? issue.path.join('.') : '(top level)';
  const found = valueAt(raw, issue.path);
  const got = found === undefined ? 'nothing' : JSON.stringify(found);
  if (issue.code === 'unrecognized_keys') {
    return `${key}: unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling; see configs/pantheon.yaml for every key)`;
  }
  return `${key}: ${expectation(issue)}, got ${got}`;
}

function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small':
      return `expected ${issue.origin === 'string' ? 'a string of length' : 'a value'} >= ${String(issue.minimum)}`;
    case 'too_big':
      return `expected ${issue.origin === 'string' ? 'a string of length' : 'a value'} <= ${String(issue.maximum)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let node = raw;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}
