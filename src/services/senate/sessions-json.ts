// The online-sessions aggregate as plain JSON for operators with curl:
// snake_case keys like the proto, int64 as decimal strings, session ids as hex.
import type { GateSession } from '../../gen/pantheon/gate/v1/admin.js';
import type { ListOnlineSessionsResponse } from '../../gen/pantheon/senate/v1/senate.js';
import { toHex } from '../../protocol/bytes.js';

export interface GateSessionJson {
  session_id: string;
  account_id: string;
  color: string;
  transport: string;
  worker: number;
  remote_address: string;
  opened_at_ms: string;
}

export interface OnlineSessionsJson {
  total: number;
  gates: { gate_id: string; endpoint: string; error: string | null; sessions: GateSessionJson[] }[];
}

export function onlineSessionsToJson(response: ListOnlineSessionsResponse): OnlineSessionsJson {
  return {
    total: response.total,
    gates: response.gates.map((gate) => ({
      gate_id: gate.gateId,
      endpoint: gate.endpoint,
      error: gate.error === '' ? null : gate.error,
      sessions: gate.sessions.map(gateSessionToJson),
    })),
  };
}

function gateSessionToJson(session: GateSession): GateSessionJson {
  return {
    session_id: toHex(session.sessionId),
    account_id: session.accountId.toString(),
    color: session.color,
    transport: session.transport,
    worker: session.worker,
    remote_address: session.remoteAddress,
    opened_at_ms: session.openedAtMs.toString(),
  };
}
