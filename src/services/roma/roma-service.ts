// Starts a Roma process: the module registry, the gRPC Tunnel and RomaAdmin
// services, the /health and /metrics routes and, when enabled, tracing.
// Wiring only; the work happens in the tunnel connections, the dispatcher
// and the modules.
import { Server } from '@grpc/grpc-js';
import { bindGrpcServer, shutdownGrpcServer } from '../../common/grpc.js';
import { registerSelf } from '../../discovery/index.js';
import { startAdminHttp } from '../../common/health-http.js';
import type { ProcessContext, RunningService } from '../../common/process.js';
import { startTracing } from '../../common/tracing.js';
import { RomaGameAdminService, RoomAdminService } from '../../gen/pantheon/roma/v1/admin.js';
import { RomaAdminService, TunnelService as TunnelServiceDefinition } from '../../gen/pantheon/roma/v1/tunnel.js';
import { resolveAdminToken } from './admin/admin-auth.js';
import { roomAdminService } from './admin/room-admin-service.js';
import { romaAdminService } from './admin-service.js';
import { GameDataStore } from './gamedata/index.js';
import type { RomaModule } from './module-api.js';
import { ModuleRegistry } from './module-registry.js';
import { startGameServices, type GameServices } from './game-services.js';
import { romaModules } from './modules/index.js';
import { RequestDispatcher } from './request-dispatcher.js';
import { RomaMetrics } from './roma-metrics.js';
import { RomaRequestTracer } from './roma-tracing.js';
import { startRoomServices, type RoomServices } from './rooms/index.js';
import { SessionDirectory } from './session-directory.js';
import { DEFAULT_BATCH_WRITER_LIMITS } from './tunnel/batch-writer.js';
import { TunnelService } from './tunnel/tunnel-service.js';

export interface RomaService extends RunningService {
  /** The game data modules read; an admin call reloads it with `gameData.reload()`. */
  readonly gameData: GameDataStore;
  /** The player runtime (actors, saves); null when started with custom modules only or as a room instance. */
  readonly game: GameServices | null;
  /** The rooms of a room-role instance; null otherwise. */
  readonly rooms: RoomServices | null;
}

/** Without `modules`: Echo plus the game modules over the player runtime. With them: exactly those (tests). */
export async function startRoma(context: ProcessContext, modules?: readonly RomaModule[]): Promise<RomaService> {
  const { config, logger } = context;
  // Before anything binds a port: bad game data stops Roma (GAMEDATA_INVALID) with every problem listed.
  const gameData = await GameDataStore.open(config.roma.gamedata_dir);
  logger.info({ event: 'gamedata_loaded', source: gameData.sourceDescription, tables: gameData.current.summary() }, 'game data loaded');
  let game: GameServices | null = null;
  let rooms: RoomServices | null = null;
  // A session's logout waits behind its queued requests (an enter game in flight included), so no binding outlives its session.
  const directory = new SessionDirectory((session) => {
    if (game) void session.queue.run(() => game!.runtime.leave(session.info));
    rooms?.rooms.sessionClosed(session.info.idHex);
  });
  // roma.role: a player instance runs the player runtime, a room instance the rooms; both serve Echo.
  const role = config.roma.role;
  if (!modules && role === 'room') rooms = startRoomServices(config, logger, gameData, directory);
  game = modules || role === 'room' ? null : await startGameServices(config, logger, gameData, directory);
  const registry = new ModuleRegistry(modules ?? [...romaModules, ...(rooms ? rooms.modules : game!.modules)]);
  const metrics = new RomaMetrics({ sessions: () => directory.size, streams: (): number => tunnels.streamCount });
  const dispatcher = new RequestDispatcher(registry, directory, logger, metrics);
  const tracing = startTracing(config.tracing, { name: 'pantheon-roma', instance: config.roma.id });
  const tracer = tracing ? new RomaRequestTracer(tracing.tracer, config.roma.id) : null;
  const tunnels = new TunnelService({ directory, dispatcher, logger, limits: DEFAULT_BATCH_WRITER_LIMITS, tracer });
  logger.info({ event: 'modules_registered', modules: registry.modules().map((m) => `${m.id}:${m.name}`) }, 'modules registered');

  // Pings find a gate that hung or vanished without closing its connection, so its sessions get dropped.
  const server = new Server({ 'grpc.keepalive_time_ms': 30_000, 'grpc.keepalive_timeout_ms': 10_000 });
  server.addService(TunnelServiceDefinition, tunnels.implementation());
  server.addService(RomaAdminService, romaAdminService(directory));
  if (game) server.addService(RomaGameAdminService, game.admin);
  if (rooms) server.addService(RoomAdminService, roomAdminService({ token: resolveAdminToken(config), rooms: rooms.rooms, logger: logger.child({ component: 'admin' }) }));
  const grpcPort = await bindGrpcServer(server, config.roma.host, config.roma.grpc.port);

  const http = await startAdminHttp(config.roma.host, config.roma.http.port, {
    '/health': () => ({ status: 'ok', sessions: directory.size, streams: tunnels.streamCount }),
    '/metrics': () => metrics.reply(),
  }).catch(async (error: unknown) => {
    // The gRPC port is already bound; release it so the failed start leaves nothing behind.
    server.forceShutdown();
    await game?.stop();
    throw error;
  });

  const registration = await registerSelf(config, logger, {
    // Gates route by service name: gate.module_services sends the Room module to "room".
    service: role === 'room' ? 'room' : 'roma',
    id: config.roma.id,
    bindHost: config.roma.host,
    grpcPort,
    urls: { http: `http://${config.roma.host}:${http.port}` },
    color: config.roma.color,
    weight: config.roma.weight,
    load: () => directory.size,
  }).catch(async (error: unknown) => {
    server.forceShutdown();
    await http.close();
    await game?.stop();
    throw error;
  });

  return {
    endpoints: { grpc: `${config.roma.host}:${grpcPort}`, http: `http://${config.roma.host}:${http.port}` },
    gameData,
    game,
    rooms,
    async stop() {
      // Deregister first, so gates stop routing new sessions here before the tunnels end.
      await registration.close();
      tunnels.endAll('roma_stopping');
      // Every player is saved before the process exits (SIGTERM lands here).
      await game?.stop();
      await shutdownGrpcServer(server);
      await http.close();
      await tracing?.shutdown();
    },
  };
}
