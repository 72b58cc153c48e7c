// One room's mailbox: every operation on a room runs here, one at a time, in
// arrival order, so two members' requests never interleave inside a room.
// A failing operation answers only its own request (PACKET_CODE_INTERNAL and
// an error log line); the room and the operations queued after it go on.
import { errorMessage } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import { PacketCode } from '../../../gen/pantheon/client/v1/packet.js';
import { RequestRejected } from '../module-api.js';
import { SerialQueue } from '../serial-queue.js';
import type { Room } from './room.js';

export class RoomActor {
  private readonly mailbox = new SerialQueue();
  /** Set when the room closed; operations still queued then see ROOM_NOT_FOUND. */
  closed = false;

  constructor(
    readonly room: Room,
    private readonly logger: Logger,
  ) {}

  /** Messages waiting in the mailbox, including the one running. */
  get queued(): number {
    return this.mailbox.size;
  }

  run<T>(operation: (room: Room) => Promise<T> | T): Promise<T> {
    return this.mailbox.run(async () => {
      try {
        return await operation(this.room);
      } catch (error) {
        if (error instanceof RequestRejected) throw error;
        this.logger.error({ event: 'room_operation_failed', room: String(this.room.id), err: error }, `room ${this.room.id}: operation failed, the room stays open: ${errorMessage(error)}`);
        // Already logged here with the room id; the dispatcher answers the code without a second error line.
        throw new RequestRejected(PacketCode.PACKET_CODE_INTERNAL, `room ${this.room.id}: ${errorMessage(error)}`);
      }
    });
  }
}
