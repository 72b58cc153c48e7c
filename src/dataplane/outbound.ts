// Server-to-client packets built outside a request's own reply: backend
// responses and pushes. Data at or over the compression threshold is
// deflated when that shrinks it. A push to many sessions is encoded once;
// each session only seals the same plaintext with its own key.
import { Packet } from '../gen/pantheon/client/v1/packet.js';
import type { DeliverToSessions } from '../gen/pantheon/gate/v1/ring.js';
import type { Envelope } from '../gen/pantheon/roma/v1/tunnel.js';
import type { ConnectionBuckets } from './buckets.js';
import { deflateIfSmaller } from './compression.js';
import type { GateSession } from './session.js';

type PacketFields = Pick<Packet, 'mod' | 'seq' | 'obj' | 'index' | 'data' | 'dataVersion' | 'code'>;

export function serverPacket(fields: PacketFields, compressThresholdBytes: number): Packet {
  const compressed = deflateIfSmaller(fields.data, compressThresholdBytes);
  return { ...fields, data: compressed ?? fields.data, compressed: compressed !== null };
}

export function packetFromEnvelope(envelope: Envelope, compressThresholdBytes: number): Packet {
  const { mod, seq, obj, index, data, dataVersion, code } = envelope;
  return serverPacket({ mod, seq, obj, index, data, dataVersion, code }, compressThresholdBytes);
}

export function deliverToSessions(
  deliver: DeliverToSessions,
  compressThresholdBytes: number,
  sessionsByKey: ReadonlyMap<string, GateSession>,
  buckets: ConnectionBuckets<GateSession>,
): void {
  const plaintext = Packet.encode(serverPacket({ mod: deliver.mod, seq: deliver.seq, obj: 0n, index: 0, data: deliver.data, dataVersion: 0n, code: 0 }, compressThresholdBytes)).finish();
  if (deliver.allSessions) {
    buckets.forEach((session) => {
      if (session.state === 'open' && (deliver.color === '' || session.color === deliver.color)) session.sendPlaintext(plaintext, deliver.mod);
    });
    return;
  }
  for (const id of deliver.sessionIds) sessionsByKey.get(Buffer.from(id).toString('latin1'))?.sendPlaintext(plaintext, deliver.mod);
}
