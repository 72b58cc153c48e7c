// How a Push.Broadcast reaches every gate. Redis: the gate that receives the
// call only PUBLISHes on <prefix>:broadcast, and every gate, itself included,
// delivers what its own subscriber receives; so each session gets a broadcast
// once (pub/sub is at most once: a gate whose subscriber is reconnecting
// misses it). Memory: the receiving gate delivers on its own sessions only.
import type { Logger } from '../../common/logger.js';
import { errorMessage } from '../../common/errors.js';
import type { Redis } from '../../common/redis.js';
import { BroadcastEvent, type BroadcastRequest, type BroadcastResponse } from '../../gen/pantheon/gate/v1/push.js';

/** Delivers on this gate; returns the sessions it was handed to. */
export type BroadcastHandler = (broadcast: BroadcastRequest, originGateId: string) => number;

export interface BroadcastBus {
  /** Resolves with how many gates will deliver it (and the sessions reached here, when known now). */
  publish(broadcast: BroadcastRequest): Promise<BroadcastResponse>;
  close(): Promise<void>;
}

export class LocalBroadcastBus implements BroadcastBus {
  constructor(
    private readonly gateId: string,
    private readonly deliver: BroadcastHandler,
  ) {}

  async publish(broadcast: BroadcastRequest): Promise<BroadcastResponse> {
    return { gates: 1, localSessions: this.deliver(broadcast, this.gateId) };
  }

  async close(): Promise<void> {}
}

export interface RedisBroadcastBusOptions {
  gateId: string;
  channel: string;
  /** Commands connection (PUBLISH). */
  publisher: Redis;
  /** A connection of its own: a subscribed connection can run nothing else. */
  subscriber: Redis;
  logger: Logger;
  deliver: BroadcastHandler;
}

// A gate that starts while Redis is down still starts; it subscribes when Redis is back.
const SUBSCRIBE_WAIT_MS = 2_000;

export class RedisBroadcastBus implements BroadcastBus {
  private constructor(private readonly options: RedisBroadcastBusOptions) {}

  static async start(options: RedisBroadcastBusOptions): Promise<RedisBroadcastBus> {
    const { subscriber, channel, logger } = options;
    subscriber.on('messageBuffer', (from: Buffer, message: Buffer) => {
      if (from.toString() !== channel) return;
      let event: BroadcastEvent;
      try {
        event = BroadcastEvent.decode(message);
      } catch (error) {
        logger.warn({ event: 'broadcast_undecodable', channel, bytes: message.length, err: error }, `ignoring a message on ${channel} that is not a BroadcastEvent; is another program publishing there?`);
        return;
      }
      if (event.broadcast) options.deliver(event.broadcast, event.originGateId);
    });
    const subscribed = subscriber.subscribe(channel).then(
      () => true,
      (error: unknown) => {
        logger.error({ event: 'broadcast_subscribe_failed', channel, err: error }, `could not subscribe to ${channel}: ${errorMessage(error)}; this gate receives no cross-gate broadcasts`);
        return false;
      },
    );
    const ready = await Promise.race([subscribed, new Promise<boolean>((resolveWait) => setTimeout(() => resolveWait(false), SUBSCRIBE_WAIT_MS).unref())]);
    if (!ready) logger.warn({ event: 'broadcast_subscribe_pending', channel }, `not yet subscribed to ${channel} (Redis unreachable?); broadcasts reach this gate once it is`);
    return new RedisBroadcastBus(options);
  }

  async publish(broadcast: BroadcastRequest): Promise<BroadcastResponse> {
    const event = BroadcastEvent.encode({ originGateId: this.options.gateId, broadcast }).finish();
    // Not delivered here: this gate's own subscriber receives it like every other gate's.
    const gates = await this.options.publisher.publish(this.options.channel, Buffer.from(event.buffer, event.byteOffset, event.byteLength));
    return { gates, localSessions: 0 };
  }

  async close(): Promise<void> {
    // The connections belong to whoever created them.
  }
}
