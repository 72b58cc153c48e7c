// Runs `npm run bench` at tiny sizes so the bench scripts never rot: it
// checks that every scenario runs and reports its fields, not how fast.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../harness/processes.js';

const out = mkdtempSync(join(tmpdir(), 'pantheon-bench-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('npm run bench --quick', () => {
  it('runs every scenario and writes JSON, Markdown and SVG with every field', async () => {
    await promisify(execFile)(process.execPath, [join(repoRoot, 'bench/run.mjs'), '--quick', '--out', out], { cwd: repoRoot, timeout: 110_000 });
    const files = readdirSync(out);
    const json = files.find((f) => f.endsWith('.json'));
    expect(json).toBeDefined();
    const base = json!.slice(0, -'.json'.length);
    expect(files).toEqual(expect.arrayContaining([`${base}.md`, `${base}.svg`]));
    expect(readFileSync(join(out, `${base}.svg`), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);

    const report = JSON.parse(readFileSync(join(out, json!), 'utf8'));
    const names = ['baseline', 'gate-heartbeat', 'gate-roma-echo', 'handshake', 'idle', 'room-relay', 'peer-colyseus', 'workers'];
    expect(Object.keys(report.results)).toEqual(names);
    for (const name of names) {
      const r = report.results[name];
      expect(r.throughput_per_s, name).toBeGreaterThan(0);
      for (const p of ['p50', 'p90', 'p99', 'p999']) expect(r.latency_ms[p], `${name} ${p}`).toBeGreaterThan(0);
      expect(r.server_cpu_s, name).toBeGreaterThanOrEqual(0);
      expect(r.client_cpu_s, name).toBeGreaterThan(0);
      expect(Object.values(r.peak_rss_bytes).every((v) => (v as number) > 0), name).toBe(true);
      expect(r.errors, name).toBe(0);
    }
    expect(report.results.handshake.crypto_ceiling_per_s).toBeGreaterThan(0);
    expect(report.results.idle.rss_per_connection_bytes).toBeTypeOf('number');
    expect(report.results['gate-roma-echo'].half_rate.latency_ms.p99).toBeGreaterThan(0);
    expect(report.results.workers.ratio_2_to_1).toBeGreaterThan(0);
    for (const name of ['room-relay', 'peer-colyseus']) {
      const relay = report.results[name];
      expect(relay.steps, name).toHaveLength(1);
      expect(relay.steps[0]).toMatchObject({ rooms: 2, players: 16 });
      expect(relay.steps[0].sent_per_s, name).toBeGreaterThan(0);
      // Every update sent in the window reached the 7 other members of its room.
      expect(relay.steps[0].delivery_ratio, name).toBe(1);
      expect(relay.capacity_per_s, name).toBe(relay.throughput_per_s);
    }
    expect(report.results['peer-colyseus'].peak_rss_bytes).toHaveProperty('colyseus');
    expect(report.targets.map((t: { verdict: string }) => t.verdict).every((v: string) => v === 'PASS' || v === 'MISS')).toBe(true);
    expect(readFileSync(join(out, `${base}.md`), 'utf8')).toContain('## Targets');
  }, 120_000);
});
