// The shape every admin gRPC call shares (RomaGameAdmin, RoomAdmin): check
// the bearer credential, run the work, and turn an AdminError into its gRPC
// status and anything else into INTERNAL with an error log line. It decides
// nothing about what a call may do.
import { status, type sendUnaryData, type ServerUnaryCall, type ServiceError, type UntypedHandleCall } from '@grpc/grpc-js';
import { errorMessage } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import { checkAdminCredential } from './admin-auth.js';

/** A refusal with a gRPC status, thrown by a call's checks and answered as the call's error. */
export class AdminError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

/** Who made the call, for the log line of an action. */
export interface AdminCaller {
  peer: string;
}

export interface AdminCallDeps {
  /** The service name in log lines, e.g. "RoomAdmin". */
  service: string;
  token: string;
  logger: Logger;
}

/** A unary handler that authenticates, runs `work`, and maps refusals and failures to gRPC statuses. */
export function adminUnary<Req, Res>(deps: AdminCallDeps, name: string, work: (request: Req, caller: AdminCaller) => Promise<Res>): UntypedHandleCall {
  return ((call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    const denied = checkAdminCredential(call.metadata, deps.token);
    const peer = call.getPeer();
    if (denied) {
      deps.logger.warn({ event: 'admin_unauthenticated', call: name, peer }, `${deps.service}.${name} refused: ${denied.details}`);
      callback(denied as ServiceError);
      return;
    }
    work(call.request, { peer }).then(
      (response) => callback(null, response),
      (error: unknown) => {
        if (error instanceof AdminError) return callback({ code: error.code, details: error.message });
        deps.logger.error({ event: 'admin_call_failed', call: name, err: error }, `${deps.service}.${name} failed: ${errorMessage(error)}`);
        callback({ code: status.INTERNAL, details: `${name} failed: ${errorMessage(error)}` });
      },
    );
  }) as UntypedHandleCall;
}
