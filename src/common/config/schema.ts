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

const etcdSchema = z.object({
  endpoints: z.array(z.string().regex(/^https?:\/\/[^\s]+$/, 'expected an http(s):// URL')).min(1).default(['http://127.0.0.1:2379']),
  prefix: z.string().regex(/^\/[\w\-./]*[^/]$/, 'expected a key prefix like "/pantheon/services"').default('/pantheon/services'),
  lease_ttl_s: z.number().int().min(2).max(600).default(10),
  dial_timeout_ms: z.number().int().min(100).max(60_000).default(3_000),
});

const registrySchema = z.object({
  // static: the instance lists below (embedded default); etcd: every process
  // registers under etcd.prefix with a lease and watches the others.
  kind: z.enum(['static', 'etcd']).default('static'),
  /** Address other processes use to reach this one when the bind host is 0.0.0.0. */
  advertise_host: z.string().min(1).optional(),
  roma: z.array(instanceSchema).default([{ id: 'roma-1', grpc_address: '127.0.0.1:9200', color: '', weight: 100 }]),
  gate: z.array(instanceSchema).default([{ id: 'gate-1', grpc_address: '127.0.0.1:9100', color: '', weight: 100 }]),
  /** Room-role Roma instances (service "room", roma.role: room); none = the Room module is unavailable. */
  room: z.array(instanceSchema).default([]),
  etcd: etcdSchema.prefault({}),
});

const redisSchema = z.object({
  url: z.string().regex(/^rediss?:\/\/[^\s]+$/, 'expected a redis:// URL').default('redis://127.0.0.1:6379'),
  key_prefix: z.string().regex(/^[\w\-.:]{1,64}$/, 'expected 1-64 characters of [A-Za-z0-9_.:-]').default('pantheon'),
});

const routerSchema = z.object({
  // memory: one gate's own tables (embedded default); redis: sticky routes,
  // player -> gate records, single-use token ids and cross-gate broadcasts
  // shared by every gate through redis.url.
  kind: z.enum(['memory', 'redis']).default('memory'),
  route_ttl_ms: z.number().int().min(1_000).max(86_400_000).default(10 * 60_000),
  /** How long a player -> gate record outlives its gate's last refresh (every third of this). */
  player_ttl_ms: z.number().int().min(1_000).max(86_400_000).default(60_000),
  /** Color used when no instance serves the session's color ("" = the default color). */
  fallback_color: z.string().max(64).default(''),
});

const tokenBucketSchema = z.object({
  rate_per_s: z.number().min(0.01).max(1e9),
  burst: z.number().min(1).max(1e10),
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
  color: z.string().max(64).default(''),
  weight: z.number().int().min(1).max(10_000).default(100),
  security: z.object({ encrypt: z.boolean().default(true) }).prefault({}),
  limits: z
    .object({
      max_connections: z.number().int().min(1).max(10_000_000).default(1_000_000),
      max_connections_per_ip: z.number().int().min(1).max(10_000_000).default(10_000),
      handshakes_per_ip: tokenBucketSchema.default({ rate_per_s: 100, burst: 200 }),
      packets_per_session: tokenBucketSchema.default({ rate_per_s: 200, burst: 400 }),
      bytes_per_session: tokenBucketSchema.default({ rate_per_s: 1024 * 1024, burst: 2 * 1024 * 1024 }),
      /** Rate-limited packets within 10 s after which the session is closed. */
      abuse_close_after: z.number().int().min(1).max(1_000_000).default(200),
      /** A client whose unsent data passes this is dropped (slow consumer). */
      slow_consumer_bytes: z.number().int().min(16 * 1024).max(1024 * 1024 * 1024).default(4 * 1024 * 1024),
      /** Requests in flight to one Roma instance from one worker before reading pauses. */
      backend_inflight_high_water: z.number().int().min(16).max(10_000_000).default(10_000),
    })
    .prefault({}),
  circuit: z
    .object({
      consecutive_failures: z.number().int().min(1).max(1_000).default(5),
      eject_ms: z.number().int().min(100).max(600_000).default(5_000),
    })
    .prefault({}),
  drain_grace_ms: z.number().int().min(0).max(600_000).default(10_000),
  /** Module id -> the service (registry name) that serves it; unlisted modules go to "roma". Reloadable. */
  module_services: z
    .record(z.string().regex(/^[1-9]\d{0,9}$/, 'expected a module id like "110"'), z.string().min(1).max(64))
    .default({ '110': 'room' }),
  /** Modules whose requests with Packet.obj != 0 are routed by (service, obj), e.g. Room by room id. Reloadable. */
  keyed_modules: z.array(z.number().int().min(2).max(2_147_483_647)).max(64).default([110]),
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
  /** player: Character and the player modules (service "roma"); room: the Room module (service "room"). Both serve Echo. */
  role: z.enum(['player', 'room']).default('player'),
  /**
   * Room role: this instance's ordinal, unique among room instances, carried
   * in the high bits of every room id it creates. 0 = its 1-based position
   * in registry.room (fine with a static registry; set it with etcd).
   */
  room_ordinal: z.number().int().min(0).max(8_388_607).default(0),
  host: host.default('127.0.0.1'),
  grpc: z.object({ port: port.default(9200) }).prefault({}),
  http: z.object({ port: port.default(18200) }).prefault({}),
  color: z.string().max(64).default(''),
  weight: z.number().int().min(1).max(10_000).default(100),
  /** Folder of game-data tables (gamedata/README.md); relative paths start at the working directory, like data_dir. */
  gamedata_dir: z.string().min(1).default('./gamedata'),
  /** Dirty players are saved at least this often (and at once when a handler asks, on logout and on stop). */
  save_interval_ms: positiveMs(100, 3_600_000).default(10_000),
  /** Players recently offline kept in memory (LRU), so a quick relogin does not read the store. */
  offline_cache_size: z.number().int().min(0).max(1_000_000).default(1000),
  max_characters_per_account: z.number().int().min(1).max(100).default(3),
  /** A deleted character can be restored for this long; then it is purged and its name freed. */
  character_delete_grace_ms: z.number().int().min(0).max(365 * 86_400_000).default(7 * 86_400_000),
  /** Shared credential of the RomaGameAdmin gRPC API (`authorization: Bearer <token>`); Roma refuses to start without it unless profile is dev, where it is generated into <secrets>/admin-token. */
  admin_token: z.string().min(16, 'expected at least 16 characters').max(512).optional(),
});

const storageSchema = z.object({
  // lmdb: embedded, under <data_dir>/<service> (default); postgres and mongodb
  // are shared by every instance of a service (docs/storage.md).
  kind: z.enum(['lmdb', 'postgres', 'mongodb']).default('lmdb'),
  postgres: z
    .object({
      url: z.string().regex(/^postgres(ql)?:\/\/[^\s]+$/, 'expected a postgres:// URL').default('postgres://pantheon@127.0.0.1:5432/pantheon'),
      pool_size: z.number().int().min(1).max(1_000).default(10),
    })
    .prefault({}),
  mongodb: z
    .object({
      url: z.string().regex(/^mongodb(\+srv)?:\/\/[^\s]+$/, 'expected a mongodb:// URL').default('mongodb://127.0.0.1:27017'),
      database: z.string().regex(/^[^/\\. "$*<>:|?]{1,63}$/, 'expected a MongoDB database name (1-63 characters, none of /\\. "$*<>:|?)').default('pantheon'),
    })
    .prefault({}),
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
    registry: registrySchema.prefault({}),
    redis: redisSchema.prefault({}),
    router: routerSchema.prefault({}),
    tracing: z
      .object({
        enabled: z.boolean().default(false),
        sample_ratio: z.number().min(0).max(1).default(1),
        /** OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces; empty = no exporter. */
        otlp_endpoint: z.string().regex(/^(https?:\/\/[^\s]+)?$/, 'expected an http(s):// URL or ""').default(''),
      })
      .prefault({}),
    gate: gateSchema.prefault({}),
    lares: laresSchema.prefault({}),
    roma: romaSchema.prefault({}),
    senate: senateSchema.prefault({}),
    storage: storageSchema.prefault({}),
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
export type StorageConfig = PantheonConfig['storage'];
export type InstanceConfig = z.infer<typeof instanceSchema>;
