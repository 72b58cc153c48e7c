// The one configuration schema for every Pantheon process. YAML keys are
// snake_case and used as-is in code, so a key in docs, YAML, env and code is
// the same word. Defaults here are the embedded single-machine defaults.
import { z } from 'zod';
import { LOG_LEVELS } from '../logger.js';

const port = z.number().int().min(0).max(65535);
const host = z.string().min(1);
const positiveMs = (min: number, max: number) => z.number().int().min(min).max(max);
const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'expected "host:port"');

const instanceSchema = z.object({
  id: z.string().min(1).max(128),
  grpc_address: hostPort,
  color: z.string().max(64).default(''),
  weight: z.number().int().min(1).max(10_000).default(100),
});

const staticRegistrySchema = z.object({
  kind: z.literal('static').default('static'),
  roma: z.array(instanceSchema).default([{ id: 'roma-1', grpc_address: '127.0.0.1:9200', color: '', weight: 100 }]),
  gate: z.array(instanceSchema).default([{ id: 'gate-1', grpc_address: '127.0.0.1:9100', color: '', weight: 100 }]),
});

const gateSchema = z.object({
  id: z.string().min(1).max(128).default('gate-1'),
  host: host.default('127.0.0.1'),
  workers: z.number().int().min(0).max(256).default(0), // 0 = one per CPU
  ws: z.object({ port: port.default(17100), path: z.string().regex(/^\/[\w\-./]*$/, 'expected a path like "/ws"').default('/ws') }).prefault({}),
  tcp: z.object({ port: port.default(17200), backlog: z.number().int().min(1).max(65535).default(511) }).prefault({}),
  grpc: z.object({ port: port.default(9100) }).prefault({}),
  admin: z.object({ port: port.default(18100) }).prefault({}),
  max_frame_bytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(65536),
  handshake_timeout_ms: positiveMs(100, 120_000).default(10_000),
  heartbeat_interval_ms: positiveMs(100, 600_000).default(10_000),
  compress_threshold_bytes: z.number().int().min(64).max(16 * 1024 * 1024).default(1024),
  max_inflated_bytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  backend_timeout_ms: positiveMs(50, 120_000).default(5_000),
  route_timeout_ms: positiveMs(50, 60_000).default(2_000),
  max_pending_per_session: z.number().int().min(1).max(10_000).default(64),
  security: z.object({ encrypt: z.boolean().default(true) }).prefault({}),
});

const throttleSchema = z.object({
  max_failures: z.number().int().min(1).max(1_000_000),
  window_ms: positiveMs(1_000, 86_400_000),
});

const laresSchema = z.object({
  id: z.string().min(1).max(128).default('lares-1'),
  host: host.default('127.0.0.1'),
  http: z.object({ port: port.default(8001) }).prefault({}),
  grpc: z.object({ port: port.default(9001) }).prefault({}),
  token_ttl_ms: positiveMs(1_000, 86_400_000).default(5 * 60_000),
  session_ttl_ms: positiveMs(60_000, 365 * 86_400_000).default(15 * 86_400_000),
  max_body_bytes: z.number().int().min(256).max(1024 * 1024).default(16 * 1024),
  password_hash_threads: z.number().int().min(1).max(64).default(1),
  public_gates: z
    .object({
      ws: z.array(z.string().regex(/^wss?:\/\//, 'expected a ws:// or wss:// URL')).default(['ws://127.0.0.1:17100/ws']),
      tcp: z.array(hostPort).default(['127.0.0.1:17200']),
    })
    .prefault({}),
  throttle: z
    .object({
      per_username: throttleSchema.default({ max_failures: 5, window_ms: 5 * 60_000 }),
      per_ip: throttleSchema.default({ max_failures: 50, window_ms: 5 * 60_000 }),
    })
    .prefault({}),
});

const romaSchema = z.object({
  id: z.string().min(1).max(128).default('roma-1'),
  host: host.default('127.0.0.1'),
  grpc: z.object({ port: port.default(9200) }).prefault({}),
  http: z.object({ port: port.default(18200) }).prefault({}),
});

const senateSchema = z.object({
  id: z.string().min(1).max(128).default('senate-1'),
  host: host.default('127.0.0.1'),
  grpc: z.object({ port: port.default(9300) }).prefault({}),
  http: z.object({ port: port.default(18300) }).prefault({}),
});

export const configSchema = z
  .object({
    profile: z.enum(['dev', 'staging', 'prod']).default('prod'),
    data_dir: z.string().min(1).default('./data'),
    zone: z.number().int().min(0).max(2 ** 31 - 1).default(1),
    log: z.object({ level: z.enum(LOG_LEVELS).default('info') }).prefault({}),
    secrets: z
      .object({
        dir: z.string().min(1).optional(), // default: <data_dir>/secrets
        auto_generate: z.boolean().default(true),
      })
      .prefault({}),
    registry: staticRegistrySchema.prefault({}),
    gate: gateSchema.prefault({}),
    lares: laresSchema.prefault({}),
    roma: romaSchema.prefault({}),
    senate: senateSchema.prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (!config.gate.security.encrypt && config.profile !== 'dev') {
      ctx.addIssue({
        code: 'custom',
        path: ['gate', 'security', 'encrypt'],
        message: `may be false only when profile is "dev" (profile is "${config.profile}")`,
      });
    }
  });

export type PantheonConfig = z.infer<typeof configSchema>;
export type GateConfig = PantheonConfig['gate'];
export type LaresConfig = PantheonConfig['lares'];
export type RomaConfig = PantheonConfig['roma'];
export type SenateConfig = PantheonConfig['senate'];
export type InstanceConfig = z.infer<typeof instanceSchema>;
