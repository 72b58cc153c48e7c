// Single-use connection tokens: an AuthToken for the session's account,
// sealed with the current token key the gate shares, plus where to connect
// and which gate signing keys to trust. Tokens are short-lived; the gate
// enforces expiry and single use (jti), not Lares.
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../../common/logger.js';
import { TokenStatus } from '../../../gen/pantheon/auth/v1/token.js';
import type { GateKeyring, TokenKeyring } from '../../../security/keys.js';
import { sealToken } from '../../../security/token.js';
import type { Sessions } from './sessions.js';

export interface PublicGates {
  ws: string[];
  tcp: string[];
}

export interface GateKeyInfo {
  keyId: string;
  /** The 32 raw Ed25519 public-key bytes clients pin. */
  publicRaw: Buffer;
}

export interface IssuedToken {
  accountId: bigint;
  token: string;
  expiresAtMs: number;
  gates: PublicGates;
  gateKeys: GateKeyInfo[];
}

export interface TokenOptions {
  sessions: Sessions;
  tokenKeys: TokenKeyring;
  gateKeys: GateKeyring;
  gates: PublicGates;
  /** Written into every token as server_id. */
  zone: number;
  ttlMs: number;
  logger: Logger;
  now?: () => number;
}

export class Tokens {
  private readonly now: () => number;
  private gateKeys: GateKeyInfo[];

  constructor(private readonly options: TokenOptions) {
    this.now = options.now ?? Date.now;
    this.gateKeys = publicHalves(options.gateKeys);
  }

  /** Publishes a reloaded gate key file: clients then trust a gate's new key before it signs with it. */
  setGateKeys(gateKeys: GateKeyring): void {
    this.gateKeys = publicHalves(gateKeys);
  }

  async issue(session: string, color: string): Promise<IssuedToken> {
    const accountId = await this.options.sessions.accountOf(session);
    const issuedAtMs = this.now();
    const expiresAtMs = issuedAtMs + this.options.ttlMs;
    const token = sealToken(
      {
        accountId,
        color,
        serverId: BigInt(this.options.zone),
        status: TokenStatus.TOKEN_STATUS_PLAYER,
        issuedAtMs: BigInt(issuedAtMs),
        expiresAtMs: BigInt(expiresAtMs),
        jti: randomBytes(16),
      },
      this.options.tokenKeys.current,
    );
    this.options.logger.info({ event: 'token_issued', account_id: accountId.toString(), color }, 'token issued');
    return { accountId, token, expiresAtMs, gates: this.options.gates, gateKeys: this.gateKeys };
  }
}

function publicHalves(gateKeys: GateKeyring): GateKeyInfo[] {
  return [...gateKeys.keys.values()].map((key) => ({ keyId: key.id, publicRaw: key.publicRaw }));
}
