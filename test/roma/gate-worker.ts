// Plays a gate worker against a real Roma: opens one Tunnel stream with the
// generated client, sends batches of envelopes, and collects what comes back.
import { credentials, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { Envelope, EnvelopeKind, TunnelBatch, TunnelClient } from '../../src/gen/pantheon/roma/v1/tunnel.js';
import { Module, EchoSeq } from '../../src/gen/pantheon/client/v1/packet.js';
import { connect, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';

export class GateWorker {
  readonly received: Envelope[] = [];
  batchesReceived = 0;
  ended = false;
  error: ServiceError | undefined;
  private readonly client: TunnelClient;
  private readonly call: ClientDuplexStream<TunnelBatch, TunnelBatch>;
  private readonly waiters: { check: () => boolean; resolve: () => void }[] = [];

  constructor(address: string) {
    // Its own connection, as each real gate worker has: grpc-js would otherwise share one between workers.
    this.client = new TunnelClient(address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
    this.call = this.client.open();
    this.call.on('error', (error: ServiceError) => {
      this.error = error;
      this.wake();
    });
    this.call.on('end', () => {
      this.ended = true;
      this.wake();
    });
    this.call.on('status', () => this.wake());
    this.call.on('data', (batch: TunnelBatch) => {
      this.batchesReceived++;
      this.received.push(...batch.envelopes);
      this.wake();
    });
  }

  send(...envelopes: Envelope[]): void {
    this.call.write({ envelopes });
  }

  responsesFor(sessionId: Uint8Array): Envelope[] {
    return this.received.filter((e) => e.kind === EnvelopeKind.ENVELOPE_KIND_RESPONSE && sameBytes(e.sessionId, sessionId));
  }

  /** Resolves once `check` holds, re-checked after every received batch. */
  until(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolveWait, reject) => {
      const timer = setTimeout(() => reject(new Error(`gate worker: timed out waiting for ${what}; received ${this.received.length} envelopes`)), timeoutMs);
      this.waiters.push({
        check,
        resolve: () => {
          clearTimeout(timer);
          resolveWait();
        },
      });
    });
  }

  untilReceived(count: number, timeoutMs?: number): Promise<void> {
    return this.until(() => this.received.length >= count, timeoutMs, `${count} envelopes`);
  }

  /** Half-closes: the gate worker has nothing more to send. */
  end(): void {
    this.call.end();
  }

  cancel(): void {
    this.call.cancel();
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }

  private wake(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i].check()) this.waiters.splice(i, 1)[0].resolve();
    }
  }
}

let nextSession = 1;

/** A fresh 16-byte session id, unique within the test run. */
export function newSessionId(): Uint8Array {
  const id = new Uint8Array(16);
  new DataView(id.buffer).setUint32(12, nextSession++);
  id[0] = 0xa5;
  return id;
}

export function envelope(fields: Partial<Envelope> & { kind: EnvelopeKind }): Envelope {
  return Envelope.fromPartial(fields);
}

export function sessionOpen(sessionId: Uint8Array, accountId: bigint, extra: Partial<Envelope> = {}): Envelope {
  return envelope({ kind: EnvelopeKind.ENVELOPE_KIND_SESSION_OPEN, sessionId, accountId, playerId: accountId, gateId: 'gate-test', ...extra });
}

export function sessionClose(sessionId: Uint8Array): Envelope {
  return envelope({ kind: EnvelopeKind.ENVELOPE_KIND_SESSION_CLOSE, sessionId });
}

export function echoRequest(sessionId: Uint8Array, index: number, data: Uint8Array, extra: Partial<Envelope> = {}): Envelope {
  return envelope({ kind: EnvelopeKind.ENVELOPE_KIND_REQUEST, sessionId, mod: Module.MODULE_ECHO, seq: EchoSeq.ECHO_SEQ_ECHO, index, data, ...extra });
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

export function text(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

/**
 * A gate whose tunnel stream stops reading at the HTTP/2 level, the way a hung
 * gate worker does. Built on node:http2 directly because a grpc-js client keeps
 * buffering responses in memory even when the application stops reading.
 */
export class StuckGate {
  private readonly session: ClientHttp2Session;
  private readonly stream: ClientHttp2Stream;
  readonly trailers: Promise<Record<string, unknown>>;

  constructor(address: string) {
    this.session = connect(`http://${address}`);
    this.session.on('error', () => {
      // The session dies with the test; errors after that are expected and irrelevant.
    });
    this.stream = this.session.request({ ':method': 'POST', ':path': '/pantheon.roma.v1.Tunnel/Open', 'content-type': 'application/grpc', te: 'trailers' });
    this.stream.on('error', () => {
      // Same as above: a reset stream is one of the outcomes the test inspects through trailers.
    });
    this.trailers = new Promise((resolveTrailers) => this.stream.once('trailers', (headers) => resolveTrailers(headers)));
    this.stream.pause();
  }

  send(...envelopes: Envelope[]): Promise<void> {
    const body = TunnelBatch.encode({ envelopes }).finish();
    const frame = Buffer.alloc(5 + body.length);
    frame.writeUInt32BE(body.length, 1);
    frame.set(body, 5);
    return new Promise((resolveWrite, reject) => this.stream.write(frame, (error) => (error ? reject(error) : resolveWrite())));
  }

  /** Starts reading again (discarding the data) so the status trailers can arrive. */
  resume(): void {
    this.stream.on('data', () => {
      // Only the trailers matter once the gate reads again.
    });
    this.stream.resume();
  }

  close(): void {
    this.stream.close();
    this.session.close();
  }
}
