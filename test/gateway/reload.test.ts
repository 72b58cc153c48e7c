// SIGHUP on a real gate with live connections: reloadable settings apply,
// listening ports are reported as needing a restart, an invalid file is
// rejected whole, and a rotated signing key signs new handshakes while
// existing sessions carry on.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EchoSeq, Module, type PantheonClient } from '../../src/sdk/node.js';
import { diffConfig } from '../../src/controlplane/reload.js';
import { validateConfig } from '../../src/common/config/index.js';
import { createTestCluster, type TestCluster } from '../harness/cluster.js';
import { newPlayer, type TestPlayer } from '../harness/player.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('config diff', () => {
  it('sorts changed keys into applied and needs-restart, ignoring other services', () => {
    const before = validateConfig({}, 'test');
    const after = validateConfig({ gate: { heartbeat_interval_ms: 5000, ws: { port: 1 }, limits: { max_connections: 5 } }, lares: { http: { port: 2 } }, log: { level: 'debug' } }, 'test');
    expect(diffConfig(before, after)).toEqual({
      applied: ['gate.heartbeat_interval_ms', 'gate.limits.max_connections', 'log.level'],
      needsRestart: ['gate.ws.port'],
    });
  });
});

describe('SIGHUP reload', () => {
  let cluster: TestCluster;
  let player: TestPlayer;
  let veteran: PantheonClient;

  beforeAll(async () => {
    cluster = await createTestCluster({ services: ['roma', 'lares', 'gate'], overrides: { gate: { heartbeat_interval_ms: 10_000 } } });
    player = await newPlayer(cluster);
    veteran = await player.connect('ws');
  });
  afterAll(async () => {
    veteran?.close();
    await cluster?.stop();
  });

  async function hup(service: 'gate' | 'lares', event: string) {
    const proc = cluster.processes[service]!;
    const seen = proc.lines.length;
    process.kill(proc.pid, 'SIGHUP');
    return proc.waitForLog((line) => proc.lines.indexOf(line) >= seen && line.event === event);
  }

  const expectVeteranAlive = async () => {
    expect(veteran.isOpen).toBe(true);
    const reply = await veteran.request(Module.MODULE_ECHO, EchoSeq.ECHO_SEQ_ECHO, text('still here'));
    expect(new TextDecoder().decode(reply.data)).toBe('still here');
  };

  it('applies reloadable settings to new sessions without dropping live ones', async () => {
    cluster.config.gate.heartbeat_interval_ms = 5_000;
    cluster.config.gate.limits = { packets_per_session: { rate_per_s: 500, burst: 1000 } };
    cluster.config.gate.ws.port = cluster.ports.gateWs + 1;
    cluster.writeConfig();
    const applied = await hup('gate', 'reload_applied');
    expect(applied.keys).toEqual(expect.arrayContaining(['gate.heartbeat_interval_ms', 'gate.limits.packets_per_session.burst']));
    const needsRestart = cluster.processes.gate!.lines.find((line) => line.event === 'reload_needs_restart');
    expect(needsRestart?.keys).toEqual(['gate.ws.port']);
    await expectVeteranAlive();
    const newcomer = await player.connect('ws'); // still the old port: ports need a restart
    expect(newcomer.serverHello.heartbeatIntervalMs).toBe(5_000);
    expect(veteran.serverHello.heartbeatIntervalMs).toBe(10_000);
    newcomer.close();
  });

  it('rejects an invalid config as a whole and keeps the running one', async () => {
    cluster.config.gate.heartbeat_interval_ms = 7_000;
    cluster.config.gate.max_frame_bytes = 0;
    cluster.writeConfig();
    const rejected = await hup('gate', 'reload_rejected');
    expect(String(rejected.error)).toMatch(/gate\.max_frame_bytes: expected a value >= 1024, got 0/);
    await expectVeteranAlive();
    const newcomer = await player.connect('tcp');
    expect(newcomer.serverHello.heartbeatIntervalMs).toBe(5_000);
    newcomer.close();
    cluster.config.gate.max_frame_bytes = 65_536;
    cluster.config.gate.heartbeat_interval_ms = 5_000;
    cluster.writeConfig();
  });

  it('signs new handshakes with a rotated key that Lares publishes, old sessions unaffected', async () => {
    const path = join(cluster.dataDir, 'secrets', 'gate-signing-keys.json');
    const file = JSON.parse(readFileSync(path, 'utf8'));
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const newId = 'gk-rotated';
    file.keys.push({
      id: newId,
      public_key: publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64'),
      private_key_pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    });
    const oldId = file.current;
    file.current = newId;
    writeFileSync(path, JSON.stringify(file));
    await hup('lares', 'reload_applied'); // publish first, so clients trust the key before it is used
    const grant = await player.grant();
    expect(grant.gate_keys.map((k) => k.key_id).sort()).toEqual([oldId, newId].sort());
    const rotated = await hup('gate', 'reload_applied');
    expect(rotated.signing_key_rotated).toBe(true);
    const newcomer = await player.connect('ws');
    expect(newcomer.serverHello.keyId).toBe(newId);
    expect(veteran.serverHello.keyId).toBe(oldId);
    await expectVeteranAlive();
    newcomer.close();
  });
});
