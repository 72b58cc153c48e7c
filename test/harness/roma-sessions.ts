// Which Roma instance holds whose sessions, through RomaAdmin.ListSessions:
// for tests that must know where the router placed a player.
import { credentials, Metadata } from '@grpc/grpc-js';
import { RomaAdminClient } from '../../src/gen/pantheon/roma/v1/tunnel.js';

/** The account ids with a session on the Roma instance at `address` ("host:port"). */
export async function accountsOn(address: string): Promise<bigint[]> {
  const client = new RomaAdminClient(address, credentials.createInsecure());
  try {
    const response = await new Promise<{ sessions: { accountId: bigint }[] }>((resolve, reject) =>
      client.listSessions({}, new Metadata(), { deadline: Date.now() + 3_000 }, (error, reply) => (error ? reject(error) : resolve(reply))),
    );
    return response.sessions.map((session) => session.accountId);
  } finally {
    client.close();
  }
}

/** The index in `addresses` of the instance holding a session of `accountId`; -1 when none does. */
export async function holderOf(addresses: readonly string[], accountId: bigint): Promise<number> {
  for (const [index, address] of addresses.entries()) if ((await accountsOn(address)).includes(accountId)) return index;
  return -1;
}
