// The gate's side of the PANTHEON/1 handshake: validate the ClientHello and
// its token, agree keys, sign the transcript. Cheap checks and the X25519
// agreement come before the token is claimed, so a malformed hello never
// burns a player's single-use token.
import { randomBytes, type KeyObject } from 'node:crypto';
import { ClientHello, HandshakeErrorCode, HandshakeReply } from '../gen/pantheon/client/v1/handshake.js';
import { TokenStatus } from '../gen/pantheon/auth/v1/token.js';
import { CLIENT_NONCE_BYTES, PROTOCOL_VERSION, SESSION_ID_BYTES, X25519_KEY_BYTES, type TrafficKeys } from '../protocol/handshake.js';
import { openToken } from '../security/token.js';
import type { TokenKeyring } from '../security/keys.js';
import { deriveTrafficKeys, generateServerKeyShare, signTranscript, transcriptHash, x25519SharedSecret } from '../security/node-handshake.js';

export interface HandshakeSettings {
  heartbeatIntervalMs: number;
  maxFrameBytes: number;
  encrypt: boolean;
  claimTimeoutMs: number;
}

export interface HandshakeDeps {
  tokenKeys: () => TokenKeyring;
  signingKey: () => { id: string; privateKey: KeyObject };
  settings: () => HandshakeSettings;
  /** Records the token id; 'fresh' only on its first use, 'rate_limited' when the address handshakes too often. */
  claimToken(jti: Uint8Array, expiresAtMs: bigint, remoteAddress: string): Promise<TokenClaimVerdict>;
}

export type TokenClaimVerdict = 'fresh' | 'replayed' | 'rate_limited';

export interface EstablishedSession {
  sessionId: Buffer;
  accountId: bigint;
  color: string;
  serverId: bigint;
  keys: TrafficKeys | null; // null when encryption is off (dev profile only)
  heartbeatIntervalMs: number;
}

export type HandshakeOutcome =
  | { ok: true; reply: Uint8Array; session: EstablishedSession }
  | { ok: false; reply: Uint8Array; code: HandshakeErrorCode; reason: string };

export function handshakeFailure(code: HandshakeErrorCode, reason: string): HandshakeOutcome & { ok: false } {
  return { ok: false, code, reason, reply: HandshakeReply.encode({ result: { $case: 'error', value: { code, message: reason } } }).finish() };
}

/** `helloBytes` must be a private copy: it is hashed after an await. */
export async function performHandshake(helloBytes: Uint8Array, remoteAddress: string, deps: HandshakeDeps): Promise<HandshakeOutcome> {
  let hello: ClientHello;
  try {
    hello = ClientHello.decode(helloBytes);
  } catch {
    return handshakeFailure(HandshakeErrorCode.HANDSHAKE_ERROR_MALFORMED_HELLO, 'the first message must be a ClientHello');
  }
  if (hello.version !== PROTOCOL_VERSION) {
    return handshakeFailure(HandshakeErrorCode.HANDSHAKE_ERROR_UNSUPPORTED_VERSION, `protocol version ${hello.version} is not supported; use ${PROTOCOL_VERSION}`);
  }
  if (hello.clientPub.length !== X25519_KEY_BYTES) {
    return handshakeFailure(HandshakeErrorCode.HANDSHAKE_ERROR_BAD_CLIENT_KEY, `client_pub must be ${X25519_KEY_BYTES} bytes`);
  }
  if (hello.clientNonce.length !== CLIENT_NONCE_BYTES) {
    return handshakeFailure(HandshakeErrorCode.HANDSHAKE_ERROR_BAD_NONCE, `client_nonce must be ${CLIENT_NONCE_BYTES} bytes`);
  }
  const opened = openToken(hello.token, deps.tokenKeys());
  if (!opened.ok) return handshakeFailure(HandshakeErrorCode.HANDSHAKE_ERROR_TOKEN_INVALID, 'the token is not valid; get a new one from Lares');
  const token = opened.token;
  if (token.status !== TokenStatus.TOKEN_STATUS_PLAYER && token.status !== TokenStatus.TOKEN_STATUS_DEV) {
    return handshakeFailure(HandshakeErrorCode.HANDSHAKE_ERROR_ACCOUNT_DISABLED, 'this account may not connect');
  }
  if (token.expiresAtMs <= BigInt(Date.now())) {
    return handshakeFailure(HandshakeErrorCode.HANDSHAKE_ERROR_TOKEN_EXPIRED, 'the token has expired; get a new one from Lares');
  }
  if (token.jti.length < 16) return handshakeFailure(HandshakeErrorCode.HANDSHAKE_ERROR_TOKEN_INVALID, 'the token has no id');

  const settings = deps.settings();
  const share = generateServerKeyShare();
  const shared = x25519SharedSecret(share.privateKey, hello.clientPub);
  if (!shared) return handshakeFailure(HandshakeErrorCode.HANDSHAKE_ERROR_BAD_CLIENT_KEY, 'client_pub is not a usable X25519 key');

  let verdict: TokenClaimVerdict;
  try {
    verdict = await deps.claimToken(token.jti, token.expiresAtMs, remoteAddress);
  } catch {
    return handshakeFailure(HandshakeErrorCode.HANDSHAKE_ERROR_SERVER_BUSY, 'the gate cannot verify tokens right now; retry shortly');
  }
  if (verdict === 'rate_limited') return handshakeFailure(HandshakeErrorCode.HANDSHAKE_ERROR_RATE_LIMITED, 'too many handshakes from this address; retry later');
  if (verdict === 'replayed') return handshakeFailure(HandshakeErrorCode.HANDSHAKE_ERROR_TOKEN_REPLAYED, 'the token was already used; get a new one from Lares');

  const sessionId = randomBytes(SESSION_ID_BYTES);
  const serverTimeMs = BigInt(Date.now());
  const th = transcriptHash(helloBytes, share.publicRaw, serverTimeMs, sessionId);
  const signingKey = deps.signingKey();
  const reply = HandshakeReply.encode({
    result: {
      $case: 'hello',
      value: {
        version: PROTOCOL_VERSION,
        serverPub: share.publicRaw,
        signature: signTranscript(signingKey.privateKey, th),
        keyId: signingKey.id,
        serverTimeMs,
        sessionId,
        heartbeatIntervalMs: settings.heartbeatIntervalMs,
        maxFrameBytes: settings.maxFrameBytes,
        resumeTicket: new Uint8Array(0),
        encrypted: settings.encrypt,
      },
    },
  }).finish();
  return {
    ok: true,
    reply,
    session: {
      sessionId,
      accountId: token.accountId,
      color: token.color,
      serverId: token.serverId,
      keys: settings.encrypt ? deriveTrafficKeys(shared, th) : null,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
    },
  };
}
