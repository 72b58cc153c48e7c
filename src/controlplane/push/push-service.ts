// Push gRPC service of the gate's control plane: PushToPlayer and Multicast
// deliver to this gate's sessions of the given accounts (callers find the
// gate with the player -> gate records); Broadcast goes through the
// BroadcastBus so that every gate delivers it once.
import { status, type sendUnaryData, type ServerErrorResponse, type ServerUnaryCall } from '@grpc/grpc-js';
import type { Logger } from '../../common/logger.js';
import { errorMessage } from '../../common/errors.js';
import type {
  BroadcastRequest,
  BroadcastResponse,
  MulticastRequest,
  MulticastResponse,
  PushServer,
  PushToPlayerRequest,
  PushToPlayerResponse,
} from '../../gen/pantheon/gate/v1/push.js';
import type { ControlMessage } from '../../gen/pantheon/gate/v1/ring.js';
import type { SessionDirectory } from '../session-directory.js';
import type { BroadcastBus } from './broadcast-bus.js';
import { deliverToAccounts, deliverToAll, MAX_PUSH_DATA_BYTES, type PushPayload, type SendToWorker } from './session-delivery.js';

const MAX_MULTICAST_ACCOUNTS = 100_000;
// Packet fields around `data`, plus the AES-GCM tag: what a push adds on the wire.
const PACKET_OVERHEAD_BYTES = 64;

export interface PushDeps {
  gateId: string;
  zone: number;
  maxFrameBytes: number;
  directory: SessionDirectory;
  send: SendToWorker;
  broadcastToWorkers(message: ControlMessage): void;
  logger: Logger;
}

/** Delivers a broadcast on this gate if its zone filter matches; returns the sessions it was handed to. */
export function deliverBroadcastHere(deps: PushDeps, broadcast: BroadcastRequest): number {
  if (broadcast.zone !== undefined && broadcast.zone !== deps.zone) return 0;
  return deliverToAll(deps.directory, (message) => deps.broadcastToWorkers(message), broadcast.color, broadcast);
}

export function pushService(deps: PushDeps, bus: BroadcastBus): PushServer {
  const maxData = Math.min(MAX_PUSH_DATA_BYTES, deps.maxFrameBytes - PACKET_OVERHEAD_BYTES);
  const invalid = (payload: PushPayload): string | null => {
    if (payload.mod < 2) return `mod must be >= 2 (module 1, System, belongs to the gate), got ${payload.mod}`;
    if (payload.data.length > maxData) return `data is ${payload.data.length} bytes; a push carries at most ${maxData} (gate.max_frame_bytes - ${PACKET_OVERHEAD_BYTES}, at most ${MAX_PUSH_DATA_BYTES})`;
    return null;
  };
  return {
    pushToPlayer(call: ServerUnaryCall<PushToPlayerRequest, PushToPlayerResponse>, callback: sendUnaryData<PushToPlayerResponse>) {
      const request = call.request;
      const problem = request.accountId <= 0n ? `account_id must be a positive account id, got ${request.accountId}` : invalid(request);
      if (problem) return callback(invalidArgument(`PushToPlayer: ${problem}`));
      const { sessions } = deliverToAccounts(deps.directory, deps.send, [request.accountId], request);
      callback(null, { sessions });
    },
    multicast(call: ServerUnaryCall<MulticastRequest, MulticastResponse>, callback: sendUnaryData<MulticastResponse>) {
      const request = call.request;
      const problem =
        request.accountIds.length > MAX_MULTICAST_ACCOUNTS ? `at most ${MAX_MULTICAST_ACCOUNTS} account_ids per call, got ${request.accountIds.length}; split the list` : invalid(request);
      if (problem) return callback(invalidArgument(`Multicast: ${problem}`));
      const { sessions, absent } = deliverToAccounts(deps.directory, deps.send, request.accountIds, request);
      callback(null, { sessions, absentAccountIds: absent });
    },
    broadcast(call: ServerUnaryCall<BroadcastRequest, BroadcastResponse>, callback: sendUnaryData<BroadcastResponse>) {
      const problem = invalid(call.request);
      if (problem) return callback(invalidArgument(`Broadcast: ${problem}`));
      bus.publish(call.request).then(
        (response) => callback(null, response),
        (error: unknown) => {
          deps.logger.warn({ event: 'broadcast_publish_failed', err: error }, 'broadcast not published');
          callback({ code: status.UNAVAILABLE, details: `Broadcast: Redis did not take the broadcast (${errorMessage(error)}); it may not have been delivered; retry when Redis answers` });
        },
      );
    },
  };
}

function invalidArgument(details: string): Partial<ServerErrorResponse> {
  return { code: status.INVALID_ARGUMENT, details };
}
