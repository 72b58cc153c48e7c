// The gate's gRPC server (control plane): GateAdmin for Senate and operators,
// Push for Roma and Senate (push/push-service.ts).
import { Server, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { GateAdminService, type ListSessionsRequest, type ListSessionsResponse } from '../gen/pantheon/gate/v1/admin.js';
import { PushService, type PushServer } from '../gen/pantheon/gate/v1/push.js';
import { bindGrpcServer, shutdownGrpcServer } from '../common/grpc.js';
import type { SessionDirectory } from './session-directory.js';

export async function startGateGrpc(host: string, port: number, gateId: string, directory: SessionDirectory, push?: PushServer): Promise<{ port: number; stop(): Promise<void> }> {
  const server = new Server();
  if (push) server.addService(PushService, push);
  server.addService(GateAdminService, {
    listSessions(_call: ServerUnaryCall<ListSessionsRequest, ListSessionsResponse>, callback: sendUnaryData<ListSessionsResponse>) {
      callback(null, { gateId, sessions: directory.list() });
    },
  });
  const boundPort = await bindGrpcServer(server, host, port);
  return { port: boundPort, stop: () => shutdownGrpcServer(server) };
}
