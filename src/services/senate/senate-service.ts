// Starts a Senate process: SenateAdmin over gRPC and the operators' HTTP
// routes (/health, /sessions). Wiring only; OnlineSessions does the asking.
import { Server, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { errorMessage } from '../../common/errors.js';
import { bindGrpcServer, shutdownGrpcServer } from '../../common/grpc.js';
import { startAdminHttp } from '../../common/health-http.js';
import type { Logger } from '../../common/logger.js';
import type { ProcessContext, RunningService } from '../../common/process.js';
import { registerSelf, watchService, type WatchedService } from '../../discovery/index.js';
import {
  SenateAdminService,
  type ListOnlineSessionsRequest,
  type ListOnlineSessionsResponse,
  type SenateAdminServer,
} from '../../gen/pantheon/senate/v1/senate.js';
import { OnlineSessions } from './online-sessions.js';
import { onlineSessionsToJson } from './sessions-json.js';

export async function startSenate(context: ProcessContext): Promise<RunningService> {
  const { config, logger } = context;
  // With etcd the gates come from the live view, read at every query; with static, from config.
  const gateView: WatchedService | undefined = config.registry.kind === 'etcd' ? await watchService(config, 'gate', logger) : undefined;
  const onlineSessions = new OnlineSessions(
    gateView ? () => gateView.list().map((record) => ({ id: record.id, grpc_address: record.endpoints.grpc })) : config.registry.gate,
    logger,
  );
  const server = new Server();
  server.addService(SenateAdminService, senateAdminService(onlineSessions, logger));

  let grpcPort: number;
  let http: Awaited<ReturnType<typeof startAdminHttp>>;
  try {
    grpcPort = await bindGrpcServer(server, config.senate.host, config.senate.grpc.port);
    http = await startAdminHttp(config.senate.host, config.senate.http.port, {
      '/health': () => ({ status: 'ok' }),
      '/sessions': async () => onlineSessionsToJson(await onlineSessions.list()),
    });
  } catch (error) {
    // Release whatever did start so the failed process leaves nothing bound.
    server.forceShutdown();
    onlineSessions.close();
    await gateView?.close();
    throw error;
  }
  if (gateView) logger.info({ event: 'gates_known', gates: 'etcd', prefix: config.registry.etcd.prefix }, 'senate will ask the gates registered in etcd');
  else logger.info({ event: 'gates_known', gates: config.registry.gate.map((g) => `${g.id}@${g.grpc_address}`) }, 'senate will ask these gates');
  const registration = await registerSelf(config, logger, {
    service: 'senate',
    id: config.senate.id,
    bindHost: config.senate.host,
    grpcPort,
    urls: { http: `http://${config.senate.host}:${http.port}` },
    color: '',
    weight: 100,
  });

  return {
    endpoints: { grpc: `${config.senate.host}:${grpcPort}`, http: `http://${config.senate.host}:${http.port}` },
    async stop() {
      await registration.close();
      await shutdownGrpcServer(server);
      await http.close();
      onlineSessions.close();
      await gateView?.close();
    },
  };
}

function senateAdminService(onlineSessions: OnlineSessions, logger: Logger): SenateAdminServer {
  return {
    listOnlineSessions(_call: ServerUnaryCall<ListOnlineSessionsRequest, ListOnlineSessionsResponse>, callback: sendUnaryData<ListOnlineSessionsResponse>) {
      onlineSessions.list().then(
        (response) => callback(null, response),
        (error: unknown) => {
          // list() resolves per-gate failures itself; a rejection here is a Senate bug.
          logger.error({ event: 'list_online_sessions_failed', err: error }, `ListOnlineSessions failed: ${errorMessage(error)}`);
          callback(error as Error);
        },
      );
    },
  };
}
