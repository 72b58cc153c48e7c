// The worker's end of its two rings: typed sends to the control plane and
// request/response correlation for the questions only the control plane can
// answer (is this token fresh? which instance serves this session?).
import { ControlMessage, WorkerMessage, type RouteResult } from '../gen/pantheon/gate/v1/ring.js';
import { RingReceiver, RingSender, type RingPair } from '../ring/ring-channel.js';

export class ControlLink {
  readonly sender: RingSender<WorkerMessage>;
  private readonly receiver: RingReceiver<ControlMessage>;
  private nextRequestId = 1;
  private readonly tokenClaims = new Map<number, (fresh: boolean, error: string) => void>();

  constructor(rings: RingPair) {
    this.sender = new RingSender(rings.toControl, WorkerMessage);
    this.receiver = new RingReceiver(rings.toWorker, ControlMessage);
  }

  start(onMessage: (message: ControlMessage) => void, onError: (error: unknown) => void): void {
    this.receiver.start((message) => {
      if (message.body?.$case === 'tokenClaim') {
        const { requestId, fresh, error } = message.body.value;
        const resolveClaim = this.tokenClaims.get(requestId);
        this.tokenClaims.delete(requestId);
        resolveClaim?.(fresh, error);
        return;
      }
      onMessage(message);
    }, onError);
  }

  send(body: WorkerMessage['body']): void {
    this.sender.send({ body });
  }

  /** Asks the control plane's replay cache; rejects after `timeoutMs`. */
  claimToken(jti: Uint8Array, expiresAtMs: bigint, timeoutMs: number): Promise<boolean> {
    const requestId = this.nextRequestId++ >>> 0 || this.nextRequestId++;
    return new Promise((resolveClaim, reject) => {
      const timer = setTimeout(() => {
        this.tokenClaims.delete(requestId);
        reject(new Error(`replay cache did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.tokenClaims.set(requestId, (fresh, error) => {
        clearTimeout(timer);
        if (error) reject(new Error(`replay cache failed: ${error}`));
        else resolveClaim(fresh);
      });
      this.send({ $case: 'tokenClaim', value: { requestId, jti, expiresAtMs } });
    });
  }

  stop(): void {
    this.receiver.stop();
    this.sender.close();
  }
}

export type { RouteResult };
