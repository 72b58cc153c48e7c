// Who is online across the cluster: asks every gate's GateAdmin in parallel
// and merges the answers. A gate that cannot be asked shows up with `error`
// set instead of failing the whole answer, so operators see partial truth.
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import type { Logger } from '../../common/logger.js';
import { GateAdminClient, type ListSessionsResponse } from '../../gen/pantheon/gate/v1/admin.js';
import type { GateSessions, ListOnlineSessionsResponse } from '../../gen/pantheon/senate/v1/senate.js';

export interface GateAddress {
  id: string;
  grpc_address: string;
}

/** A fixed list (static registry) or a function read at every query (the etcd watcher's live view). */
export type GateSource = readonly GateAddress[] | (() => readonly GateAddress[]);

export const GATE_QUERY_TIMEOUT_MS = 3_000;

/** A busy gate's session list outgrows gRPC's default 4 MiB receive limit (~60 bytes a session). */
const MAX_GATE_ANSWER_BYTES = 64 * 1024 * 1024;

interface GateTarget {
  gate: GateAddress;
  client: GateAdminClient;
}

export class OnlineSessions {
  /** Clients by "id@address", kept while the gate is listed so its channel is reused. */
  private readonly targets = new Map<string, GateTarget>();

  constructor(
    private readonly gates: GateSource,
    private readonly logger: Logger,
    private readonly timeoutMs = GATE_QUERY_TIMEOUT_MS,
  ) {}

  async list(): Promise<ListOnlineSessionsResponse> {
    const gates = await Promise.all(this.currentTargets().map((target) => this.askGate(target)));
    const total = gates.reduce((sum, gate) => sum + gate.sessions.length, 0);
    return { total, gates };
  }

  close(): void {
    for (const { client } of this.targets.values()) client.close();
    this.targets.clear();
  }

  private currentTargets(): GateTarget[] {
    const listed = typeof this.gates === 'function' ? this.gates() : this.gates;
    const keys = new Set(listed.map((gate) => `${gate.id}@${gate.grpc_address}`));
    for (const [key, target] of this.targets) {
      if (keys.has(key)) continue;
      target.client.close();
      this.targets.delete(key);
    }
    return listed.map((gate) => {
      const key = `${gate.id}@${gate.grpc_address}`;
      let target = this.targets.get(key);
      if (!target) {
        const client = new GateAdminClient(gate.grpc_address, credentials.createInsecure(), { 'grpc.max_receive_message_length': MAX_GATE_ANSWER_BYTES });
        target = { gate, client };
        this.targets.set(key, target);
      }
      return target;
    });
  }

  private askGate({ gate, client }: GateTarget): Promise<GateSessions> {
    return new Promise((resolveGate) => {
      const deadline = new Date(Date.now() + this.timeoutMs);
      client.listSessions({}, new Metadata(), { deadline }, (error: ServiceError | null, response: ListSessionsResponse) => {
        if (error) {
          const message = `cannot list sessions on gate ${gate.id} at ${gate.grpc_address}: ${status[error.code] ?? error.code} ${error.details}; is the gate running and is registry.gate correct?`;
          this.logger.warn({ event: 'gate_unreachable', gate_id: gate.id, endpoint: gate.grpc_address, code: error.code, details: error.details }, message);
          resolveGate({ gateId: gate.id, endpoint: gate.grpc_address, sessions: [], error: message });
          return;
        }
        resolveGate({ gateId: gate.id, endpoint: gate.grpc_address, sessions: response.sessions, error: '' });
      });
    });
  }
}
