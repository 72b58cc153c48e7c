// LaresAdmin over gRPC, for operators (Senate) and other services: a thin
// adapter from the generated service definition to the account use cases.
import { Server, status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { bindGrpcServer, shutdownGrpcServer } from '../../../common/grpc.js';
import type { Logger } from '../../../common/logger.js';
import { LaresAdminService, type GetAccountRequest, type GetAccountResponse, type LaresAdminServer } from '../../../gen/pantheon/lares/v1/admin.js';
import type { Accounts } from '../biz/accounts.js';

export interface LaresAdminGrpc {
  port: number;
  stop(): Promise<void>;
}

export async function startLaresAdminGrpc(host: string, port: number, accounts: Accounts, logger: Logger): Promise<LaresAdminGrpc> {
  const server = new Server();
  const implementation: LaresAdminServer = {
    getAccount: (call: ServerUnaryCall<GetAccountRequest, GetAccountResponse>, callback: sendUnaryData<GetAccountResponse>) => {
      getAccount(accounts, call.request.accountId).then(
        (response) => callback(null, response),
        (error: unknown) => {
          logger.error({ event: 'grpc_internal_error', method: 'GetAccount', err: error }, 'GetAccount failed');
          callback({ code: status.INTERNAL, details: 'internal error; the Lares log has the details' });
        },
      );
    },
  };
  server.addService(LaresAdminService, implementation);
  const boundPort = await bindGrpcServer(server, host, port);
  return { port: boundPort, stop: () => shutdownGrpcServer(server) };
}

/** An unknown id is an ordinary answer (account unset), not an error: callers probe ids. */
async function getAccount(accounts: Accounts, accountId: bigint): Promise<GetAccountResponse> {
  const account = await accounts.get(accountId);
  if (!account) return { account: undefined };
  return {
    account: {
      accountId: account.accountId,
      username: account.username,
      guest: account.guest,
      createdAtMs: BigInt(account.createdAtMs),
      lastLoginAtMs: BigInt(account.lastLoginAtMs),
    },
  };
}
