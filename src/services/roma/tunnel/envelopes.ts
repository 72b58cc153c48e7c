// Builders for the envelopes Roma sends to a gate, so every field a gate
// relies on (index, mod/seq echo, code) is set in exactly one place.
import { EnvelopeKind, type Envelope } from '../../../gen/pantheon/roma/v1/tunnel.js';
import type { PacketCode } from '../../../gen/pantheon/client/v1/packet.js';

const EMPTY_BYTES = new Uint8Array(0);

/** A literal rather than Envelope.fromPartial: this runs once per response and push. */
function blankEnvelope(kind: EnvelopeKind, sessionId: Uint8Array): Envelope {
  return {
    kind,
    sessionId,
    accountId: 0n,
    playerId: 0n,
    color: '',
    mod: 0,
    seq: 0,
    obj: 0n,
    index: 0,
    data: EMPTY_BYTES,
    dataVersion: 0n,
    code: 0,
    gateId: '',
    traceparent: '',
    tracestate: '',
  };
}

/** The answer to `request`: same session, index, mod, seq and obj. */
export function responseEnvelope(request: Envelope, code: PacketCode, data: Uint8Array = EMPTY_BYTES, obj: bigint = request.obj): Envelope {
  const response = blankEnvelope(EnvelopeKind.ENVELOPE_KIND_RESPONSE, request.sessionId);
  response.mod = request.mod;
  response.seq = request.seq;
  response.obj = obj;
  response.index = request.index;
  response.code = code;
  response.data = data;
  return response;
}

/** A server push: index 0 tells the client it answers no request. */
export function pushEnvelope(sessionId: Uint8Array, mod: number, seq: number, data: Uint8Array): Envelope {
  const push = blankEnvelope(EnvelopeKind.ENVELOPE_KIND_PUSH, sessionId);
  push.mod = mod;
  push.seq = seq;
  push.data = data;
  return push;
}

/** Tells the gate the session entered the game as `playerId` (see ENVELOPE_KIND_SESSION_BIND). */
export function sessionBindEnvelope(sessionId: Uint8Array, playerId: bigint): Envelope {
  const bind = blankEnvelope(EnvelopeKind.ENVELOPE_KIND_SESSION_BIND, sessionId);
  bind.playerId = playerId;
  return bind;
}

/** Approximate encoded size, for queue limits and batch splitting (exactness is not needed). */
export function approximateSize(envelope: Envelope): number {
  return envelope.data.length + envelope.sessionId.length + 48;
}
