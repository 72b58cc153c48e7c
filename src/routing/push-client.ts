// Reaching players from Roma, Senate or a tool: find each player's gate with
// the PlayerLocator, resolve the gate's gRPC address through the registry
// (a function, so static config and etcd both fit), and call that gate's
// Push service; a multicast makes one call per gate. Broadcast goes to one
// gate, which fans it out to every gate through Redis.
import { credentials, Metadata, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { PantheonError, errorMessage } from '../common/errors.js';
import { PushClient as PushStub, type BroadcastRequest, type BroadcastResponse, type MulticastResponse, type PushToPlayerResponse } from '../gen/pantheon/gate/v1/push.js';
import type { PlayerLocator } from './player-locator.js';

export interface PushMessage {
  mod: number;
  seq: number;
  data: Uint8Array;
}

export interface UnreachablePlayers {
  gateId: string;
  accountIds: bigint[];
  /** Why: e.g. the gate is not in the registry, or the call failed. */
  error: string;
}

export interface PushOutcome {
  /** Sessions the push was handed to, over all gates. */
  sessions: number;
  /** Accounts with no session anywhere (no record, or their gate no longer holds one). */
  offline: bigint[];
  /** Accounts whose gate could not be called; retry or treat as offline. */
  unreachable: UnreachablePlayers[];
}

export interface PushClientOptions {
  locator: PlayerLocator;
  /** The gRPC address ("host:port") of a gate, or undefined when the registry does not know it. */
  gateAddress(gateId: string): string | undefined;
  /** Deadline of one call to a gate; default 3000 ms. */
  timeoutMs?: number;
}

type UnaryInvoke<Res> = (metadata: Metadata, options: Partial<CallOptions>, callback: (error: ServiceError | null, response: Res) => void) => ClientUnaryCall;

export class PushClient {
  private readonly stubs = new Map<string, PushStub>();
  private readonly timeoutMs: number;

  constructor(private readonly options: PushClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 3_000;
  }

  /** Every session of one player, wherever it is connected. */
  async pushToPlayer(accountId: bigint, message: PushMessage): Promise<PushOutcome> {
    const location = (await this.options.locator.locate([accountId])).get(accountId);
    if (!location) return { sessions: 0, offline: [accountId], unreachable: [] };
    try {
      const stub = this.stubFor(location.gateId);
      const response = await this.call<PushToPlayerResponse>((...args) => stub.pushToPlayer({ accountId, ...message }, ...args));
      return { sessions: response.sessions, offline: response.sessions === 0 ? [accountId] : [], unreachable: [] };
    } catch (error) {
      return { sessions: 0, offline: [], unreachable: [{ gateId: location.gateId, accountIds: [accountId], error: errorMessage(error) }] };
    }
  }

  /** Every session of each player: one Multicast per gate, in parallel. */
  async multicast(accountIds: readonly bigint[], message: PushMessage): Promise<PushOutcome> {
    const locations = await this.options.locator.locate([...new Set(accountIds)]);
    const byGate = new Map<string, bigint[]>();
    const outcome: PushOutcome = { sessions: 0, offline: [], unreachable: [] };
    for (const accountId of new Set(accountIds)) {
      const gateId = locations.get(accountId)?.gateId;
      if (!gateId) {
        outcome.offline.push(accountId);
        continue;
      }
      let ofGate = byGate.get(gateId);
      if (!ofGate) byGate.set(gateId, (ofGate = []));
      ofGate.push(accountId);
    }
    await Promise.all(
      [...byGate].map(async ([gateId, ofGate]) => {
        try {
          const stub = this.stubFor(gateId);
          const response = await this.call<MulticastResponse>((...args) => stub.multicast({ accountIds: ofGate, ...message }, ...args));
          outcome.sessions += response.sessions;
          outcome.offline.push(...response.absentAccountIds);
        } catch (error) {
          outcome.unreachable.push({ gateId, accountIds: ofGate, error: errorMessage(error) });
        }
      }),
    );
    return outcome;
  }

  /**
   * Every session (of `color`, on gates of `zone`) on every gate, sent through
   * `viaGateId`. With router.kind redis one call reaches every gate; in memory
   * mode it reaches that gate only.
   */
  async broadcast(viaGateId: string, broadcast: BroadcastRequest): Promise<BroadcastResponse> {
    const stub = this.stubFor(viaGateId);
    return this.call<BroadcastResponse>((...args) => stub.broadcast(broadcast, ...args));
  }

  close(): void {
    for (const stub of this.stubs.values()) stub.close();
    this.stubs.clear();
  }

  private stubFor(gateId: string): PushStub {
    const address = this.options.gateAddress(gateId);
    if (!address) throw new PantheonError('GATE_UNKNOWN', `gate "${gateId}" holds the player but the registry has no address for it; check registry.gate (static) or the gate's etcd registration`);
    const key = `${gateId}@${address}`;
    let stub = this.stubs.get(key);
    if (!stub) this.stubs.set(key, (stub = new PushStub(address, credentials.createInsecure())));
    return stub;
  }

  private call<Res>(invoke: UnaryInvoke<Res>): Promise<Res> {
    return new Promise((resolveCall, reject) => {
      invoke(new Metadata(), { deadline: Date.now() + this.timeoutMs }, (error, response) => (error ? reject(error) : resolveCall(response)));
    });
  }
}

/** gateAddress for a static registry: the grpc_address of each entry in config.registry.gate. */
export function staticGateAddresses(gates: readonly { id: string; grpc_address: string }[]): (gateId: string) => string | undefined {
  const addresses = new Map(gates.map((gate) => [gate.id, gate.grpc_address]));
  return (gateId) => addresses.get(gateId);
}
