// One gRPC bidirectional stream from this worker to one Roma instance,
// carrying every session the worker routes there. Envelopes queued during
// one event-loop turn leave as one TunnelBatch; stream backpressure is
// honoured by holding the queue until 'drain'.
import { credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import { TunnelClient, type Envelope, type TunnelBatch } from '../../gen/pantheon/roma/v1/tunnel.js';
import type { ServiceInstance } from '../../gen/pantheon/gate/v1/ring.js';
import type { Logger } from '../../common/logger.js';

/** Envelopes held while the stream is not writable before the tunnel gives up. */
const MAX_QUEUED_ENVELOPES = 50_000;

export type TunnelState = 'open' | 'broken';

export interface TunnelEvents {
  onEnvelope(envelope: Envelope): void;
  onBroken(tunnel: RomaTunnel, reason: string): void;
}

export class RomaTunnel {
  state: TunnelState = 'open';
  private readonly client: TunnelClient;
  private readonly stream: ClientDuplexStream<TunnelBatch, TunnelBatch>;
  private queue: Envelope[] = [];
  private flushScheduled = false;
  private waitingForDrain = false;

  constructor(readonly instance: ServiceInstance, private readonly logger: Logger, private readonly events: TunnelEvents) {
    this.client = new TunnelClient(instance.grpcAddress, credentials.createInsecure(), {
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    });
    this.stream = this.client.open();
    this.stream.on('data', (batch: TunnelBatch) => {
      for (const envelope of batch.envelopes) this.events.onEnvelope(envelope);
    });
    this.stream.on('error', (error: Error) => this.fail(`stream error: ${error.message}`));
    this.stream.on('end', () => this.fail('Roma ended the stream'));
    this.stream.on('drain', () => {
      this.waitingForDrain = false;
      this.flush();
    });
  }

  send(envelope: Envelope): boolean {
    if (this.state !== 'open') return false;
    if (this.queue.length >= MAX_QUEUED_ENVELOPES) {
      this.fail(`Roma is not reading: ${MAX_QUEUED_ENVELOPES} envelopes queued`);
      return false;
    }
    this.queue.push(envelope);
    if (!this.flushScheduled && !this.waitingForDrain) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
    return true;
  }

  close(): void {
    if (this.state === 'broken') return;
    this.state = 'broken';
    this.flush();
    this.stream.end();
    this.client.close();
  }

  private flush(): void {
    if (this.queue.length === 0 || this.waitingForDrain || this.state !== 'open') return;
    const envelopes = this.queue;
    this.queue = [];
    if (!this.stream.write({ envelopes })) this.waitingForDrain = true;
  }

  private fail(reason: string): void {
    if (this.state === 'broken') return;
    this.state = 'broken';
    this.logger.warn({ event: 'tunnel_broken', instance: this.instance.id, reason }, 'Roma tunnel broken');
    this.stream.cancel();
    this.client.close();
    this.events.onBroken(this, reason);
  }
}
