// RomaAdmin over gRPC: who is online on this instance, and a server push to
// one session (what operators and tests use to reach a client).
import { status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import type {
  ListRomaSessionsRequest,
  ListRomaSessionsResponse,
  PushToSessionRequest,
  PushToSessionResponse,
  RomaAdminServer,
} from '../../gen/pantheon/roma/v1/tunnel.js';
import type { SessionDirectory } from './session-directory.js';

export function romaAdminService(directory: SessionDirectory): RomaAdminServer {
  return {
    listSessions(_call: ServerUnaryCall<ListRomaSessionsRequest, ListRomaSessionsResponse>, callback: sendUnaryData<ListRomaSessionsResponse>) {
      const sessions = directory.list().map(({ info }) => ({ sessionId: info.id, accountId: info.accountId, color: info.color, gateId: info.gateId }));
      callback(null, { sessions });
    },
    pushToSession(call: ServerUnaryCall<PushToSessionRequest, PushToSessionResponse>, callback: sendUnaryData<PushToSessionResponse>) {
      const { sessionId, mod, seq, data } = call.request;
      if (sessionId.length === 0 || mod <= 0) {
        callback({ code: status.INVALID_ARGUMENT, details: `PushToSession needs a session_id and a module id >= 1 (got ${sessionId.length} id bytes, mod ${mod})` });
        return;
      }
      callback(null, { delivered: directory.push(sessionId, { mod, seq, data }) });
    },
  };
}
