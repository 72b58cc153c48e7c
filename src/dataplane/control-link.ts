// The worker's end of its two rings: typed sends to the control plane and
// request/response correlation for the questions only the control plane can
// answer (is this token fresh? which instance serves this session?).
import { ControlMessage, WorkerMessage, type RouteResult, type TokenClaimResult } from '../gen/pantheon/gate/v1/ring.js';
import type { TokenClaimVerdict } from './handshake.js';
import { RingReceiver, RingSender, type RingPair } from '../ring/ring-channel.js';

export class ControlLink {
  readonly sender: RingSender<WorkerMessage>;
  private readonly receiver: RingReceiver<ControlMessage>;
  private nextRequestId = 1;
  private readonly tokenClaims = new Map<number, (result: TokenClaimResult) => void>();

  constructor(rings: RingPair) {
    this.sender = new RingSender(rings.toControl, WorkerMessage);
    this.receiver = new RingReceiver(rings.toWorker, ControlMessage);
  }

  start(onMessage: (message: ControlMessage) => void, onError: (error: unknown) => void): void {
    this.receiver.start((message) => {
      if (message.body?.$case === 'tokenClaim') {
        const result = message.body.value;
        const resolveClaim = this.tokenClaims.get(result.requestId);
        this.tokenClaims.delete(result.requestId);
        resolveClaim?.(result);
        return;
      }
      onMessage(message);
    }, onError);
  }

  send(body: WorkerMessage['body']): void {
    this.sender.send({ body });
  }

  /** Asks the control plane's replay cache and per-IP handshake limit; rejects after `timeoutMs`. */
  claimToken(jti: Uint8Array, expiresAtMs: bigint, remoteAddress: string, timeoutMs: number): Promise<TokenClaimVerdict> {
    const requestId = this.nextRequestId++ >>> 0 || this.nextRequestId++;
    return new Promise((resolveClaim, reject) => {
      const timer = setTimeout(() => {
        this.tokenClaims.delete(requestId);
        reject(new Error(`replay cache did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.tokenClaims.set(requestId, (result) => {
        clearTimeout(timer);
        if (result.error) reject(new Error(`replay cache failed: ${result.error}`));
        else resolveClaim(result.rateLimited ? 'rate_limited' : result.fresh ? 'fresh' : 'replayed');
      });
      this.send({ $case: 'tokenClaim', value: { requestId, jti, expiresAtMs, remoteAddress } });
    });
  }

  stop(): void {
    this.receiver.stop();
    this.sender.close();
  }
}

export type { RouteResult };
