// Hands pushes to the workers that hold the target sessions: one
// DeliverToSessions per worker with all of that worker's session ids, so the
// payload crosses each ring once and the worker encodes the Packet once and
// only seals it per session (DataPlane.deliverToSessions).
import type { ControlMessage } from '../../gen/pantheon/gate/v1/ring.js';
import { CONTROL_TO_WORKER_RING_BYTES } from '../../ring/ring-channel.js';
import type { SessionDirectory } from '../session-directory.js';

export interface PushPayload {
  mod: number;
  seq: number;
  data: Uint8Array;
}

export type SendToWorker = (worker: number, message: ControlMessage) => void;

/** The largest push data accepted: it must fit one ring message next to many session ids. */
export const MAX_PUSH_DATA_BYTES = CONTROL_TO_WORKER_RING_BYTES / 8;
// The ring refuses messages over a quarter of its size; each id costs 16 bytes plus tag and length.
const MAX_MESSAGE_BYTES = CONTROL_TO_WORKER_RING_BYTES / 4;
const SESSION_ID_WIRE_BYTES = 18;
const MESSAGE_OVERHEAD_BYTES = 64;

export interface AccountDelivery {
  /** Sessions the push was handed to. */
  sessions: number;
  /** Accounts with no open session on this gate. */
  absent: bigint[];
}

export function deliverToAccounts(directory: SessionDirectory, send: SendToWorker, accountIds: readonly bigint[], payload: PushPayload): AccountDelivery {
  const byWorker = new Map<number, Uint8Array[]>();
  const absent: bigint[] = [];
  let sessions = 0;
  for (const accountId of new Set(accountIds)) {
    const open = directory.sessionsOf(accountId);
    if (open.length === 0) absent.push(accountId);
    for (const session of open) {
      let ids = byWorker.get(session.worker);
      if (!ids) byWorker.set(session.worker, (ids = []));
      ids.push(session.sessionId);
      sessions++;
    }
  }
  const perMessage = Math.max(1, Math.floor((MAX_MESSAGE_BYTES - MESSAGE_OVERHEAD_BYTES - payload.data.length) / SESSION_ID_WIRE_BYTES));
  for (const [worker, ids] of byWorker) {
    // Usually one message per worker; a huge multicast is split so each fits the ring.
    for (let start = 0; start < ids.length; start += perMessage) {
      send(worker, deliverMessage({ sessionIds: ids.slice(start, start + perMessage), allSessions: false, color: '' }, payload));
    }
  }
  return { sessions, absent };
}

/** Every open session of `color` ("" = all) on every worker; returns how many the directory knows of. */
export function deliverToAll(directory: SessionDirectory, broadcast: (message: ControlMessage) => void, color: string, payload: PushPayload): number {
  broadcast(deliverMessage({ sessionIds: [], allSessions: true, color }, payload));
  return directory.countColor(color);
}

function deliverMessage(target: { sessionIds: Uint8Array[]; allSessions: boolean; color: string }, payload: PushPayload): ControlMessage {
  return { body: { $case: 'deliver', value: { ...target, mod: payload.mod, seq: payload.seq, data: payload.data } } };
}
