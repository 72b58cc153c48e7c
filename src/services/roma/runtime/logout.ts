// The envelopes that end a player's session from Roma's side: a ServerLogout
// push (System mod 1, seq 2) that the gate forwards to the client, then
// SESSION_CLOSE so the gate forgets its Roma route for that session.
import { LogoutCode, Module, ServerLogout, SystemSeq } from '../../../gen/pantheon/client/v1/packet.js';
import { Envelope, EnvelopeKind } from '../../../gen/pantheon/roma/v1/tunnel.js';
import { pushEnvelope } from '../tunnel/envelopes.js';

export { LogoutCode };

export function logoutEnvelopes(sessionId: Uint8Array, code: LogoutCode, reason: string): Envelope[] {
  const data = ServerLogout.encode({ code, reason }).finish();
  return [
    pushEnvelope(sessionId, Module.MODULE_SYSTEM, SystemSeq.SYSTEM_SEQ_SERVER_LOGOUT, data),
    Envelope.fromPartial({ kind: EnvelopeKind.ENVELOPE_KIND_SESSION_CLOSE, sessionId }),
  ];
}
