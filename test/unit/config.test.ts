import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEnvOverrides, loadConfig, validateConfig } from '../../src/common/config/index.js';

function writeYaml(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pantheon-config-')), 'c.yaml');
  writeFileSync(path, text);
  return path;
}

describe('config', () => {
  it('fills every default from an empty file', () => {
    const { config } = loadConfig(writeYaml(''), {});
    expect(config.gate.max_frame_bytes).toBe(65536);
    expect(config.gate.admin.port).toBe(18100);
    expect(config.lares.http.port).toBe(8001);
    expect(config.profile).toBe('prod');
  });

  it('loads the shipped configs/pantheon.yaml', () => {
    const { config } = loadConfig('configs/pantheon.yaml', {});
    expect(config.registry.roma.length).toBeGreaterThan(0);
  });

  it('names the key, the expectation and the value when a number is out of range', () => {
    expect(() => loadConfig(writeYaml('gate:\n  max_frame_bytes: 0\n'), {})).toThrow(/gate\.max_frame_bytes: expected a value >= 1024, got 0/);
  });

  it('names the key when the type is wrong', () => {
    expect(() => loadConfig(writeYaml('gate:\n  ws:\n    port: "eighty"\n'), {})).toThrow(/gate\.ws\.port: expected number, received string, got "eighty"/);
  });

  it('refuses unknown keys so typos do not pass silently', () => {
    expect(() => loadConfig(writeYaml('gatee: {}\n'), {})).toThrow(/unknown key\(s\) "gatee"/);
  });

  it('refuses a profile outside the list', () => {
    expect(() => loadConfig(writeYaml('profile: production\n'), {})).toThrow(/profile: expected one of "dev", "staging", "prod", got "production"/);
  });

  it('refuses encryption off unless the profile is dev', () => {
    expect(() => loadConfig(writeYaml('profile: prod\ngate:\n  security:\n    encrypt: false\n'), {})).toThrow(/gate\.security\.encrypt: may be false only when profile is "dev"/);
    expect(loadConfig(writeYaml('profile: dev\ngate:\n  security:\n    encrypt: false\n'), {}).config.gate.security.encrypt).toBe(false);
  });

  it('reports invalid YAML with its line', () => {
    expect(() => loadConfig(writeYaml('gate:\n  ws: [unclosed\n'), {})).toThrow(/not valid YAML/);
  });

  it('reports a missing file with what to do', () => {
    expect(() => loadConfig('/nonexistent/pantheon.yaml', {})).toThrow(/cannot read config file .*--config/);
  });

  it('applies PANTHEON_ environment overrides with typed values', () => {
    const { config, overrides } = loadConfig(writeYaml('gate:\n  ws:\n    port: 1000\n'), {
      PANTHEON_GATE__WS__PORT: '2000',
      PANTHEON_GATE__SECURITY__ENCRYPT: 'true',
      PANTHEON_LOG__LEVEL: 'debug',
    });
    expect(config.gate.ws.port).toBe(2000);
    expect(config.log.level).toBe('debug');
    expect(overrides).toEqual(['PANTHEON_GATE__SECURITY__ENCRYPT', 'PANTHEON_GATE__WS__PORT', 'PANTHEON_LOG__LEVEL']);
  });

  it('names the environment variable source when an override is invalid', () => {
    expect(() => loadConfig(writeYaml(''), { PANTHEON_GATE__WORKERS: '-1' })).toThrow(/with PANTHEON_GATE__WORKERS.*gate\.workers: expected a value >= 0, got -1/s);
  });

  it('ignores PANTHEON_CONFIG itself and malformed variable names', () => {
    const raw: Record<string, unknown> = {};
    expect(applyEnvOverrides(raw, { PANTHEON_CONFIG: 'x.yaml', PANTHEON_GATE____X: '1' })).toEqual([]);
  });

  it('validates registry addresses', () => {
    expect(() => validateConfig({ registry: { roma: [{ id: 'r', grpc_address: 'nohost' }] } }, 'test')).toThrow(/registry\.roma\.0\.grpc_address: expected "host:port"/);
  });
});
