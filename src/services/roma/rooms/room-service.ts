// Every room of this room-role Roma instance: which player is in which room,
// creating and closing rooms, and turning each change into pushes to the
// members' sessions (whichever tunnel stream carries each one). Each room's
// changes run in its RoomActor; this class never trusts a client-sent player
// id — callers pass the player the gate bound to the session.
import type { Logger } from '../../../common/logger.js';
import {
  RelayedMessage,
  RoomEvent,
  RoomEventKind,
  RoomResult,
  RoomSeq,
  type CreateRoomRequest,
  type ListRoomsRequest,
  type ListRoomsResponse,
  type RoomInfo,
} from '../../../gen/pantheon/game/v1/room.js';
import type { GameData } from '../gamedata/index.js';
import { RoomActor } from './room-actor.js';
import { Room, type MemberSession, type RoomMember } from './room.js';

/** Relay payloads above this are refused: rooms relay game messages, not files. */
export const MAX_RELAY_BYTES = 4096;
const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

/**
 * Room ids are int64 and unique across room instances without any shared
 * counter: the top bits are the instance's ordinal (roma.room_ordinal, unique
 * per room instance), the low 40 bits this instance's own counter. Two
 * instances can never issue the same id, and an id names the instance that
 * holds it (gates route Packet.obj = room id there; see gate.keyed_modules).
 */
export const ROOM_COUNTER_BITS = 40n;
/** Ordinals fit the 23 bits left under the int64 sign bit. */
export const MAX_ROOM_ORDINAL = 2 ** 23 - 1;

/** The ordinal of the instance that created `roomId`. */
export function roomOrdinalOf(roomId: bigint): number {
  return Number(roomId >> ROOM_COUNTER_BITS);
}

export interface RoomServiceDeps {
  /** This instance's ordinal (1..MAX_ROOM_ORDINAL): room ids carry it, so a room asked of the wrong instance is recognised. */
  ordinal: number;
  gameData(): GameData;
  /** Delivers a Room push to a session held by this instance; false if it is gone. */
  push(sessionId: Uint8Array, seq: RoomSeq, data: Uint8Array): boolean;
  logger: Logger;
  now?: () => number;
}

export type RoomAnswer = { result: RoomResult; room?: RoomInfo };

export class RoomService {
  private readonly rooms = new Map<bigint, RoomActor>();
  private readonly roomOfPlayer = new Map<bigint, RoomActor>();
  /** Session hex -> the member it speaks for: a session that re-entered the game as another player still ends its old membership. */
  private readonly memberOfSession = new Map<string, bigint>();
  private readonly now: () => number;
  private readonly idBase: bigint;
  private nextRoom = 1n;

  constructor(private readonly deps: RoomServiceDeps) {
    if (!Number.isInteger(deps.ordinal) || deps.ordinal < 1 || deps.ordinal > MAX_ROOM_ORDINAL) {
      throw new RangeError(`room instance ordinal must be an integer within 1..${MAX_ROOM_ORDINAL}, got ${deps.ordinal}`);
    }
    this.now = deps.now ?? Date.now;
    this.idBase = BigInt(deps.ordinal) << ROOM_COUNTER_BITS;
  }

  get roomCount(): number {
    return this.rooms.size;
  }

  /** The room's actor, for operations that must run in its mailbox (tests, admin). */
  actor(roomId: bigint): RoomActor | undefined {
    return this.rooms.get(roomId);
  }

  create(member: MemberSession, request: CreateRoomRequest): RoomAnswer {
    const mode = this.deps.gameData().roomMode(request.mode);
    if (!mode) return { result: RoomResult.ROOM_RESULT_MODE_UNKNOWN };
    if (request.capacity < mode.min_players || request.capacity > mode.max_players) return { result: RoomResult.ROOM_RESULT_CAPACITY_OUT_OF_RANGE };
    if (this.roomOfPlayer.has(member.playerId)) return { result: RoomResult.ROOM_RESULT_ALREADY_IN_ROOM };
    const room = new Room(this.idBase | this.nextRoom++, mode, request.capacity, request.password, this.now(), member);
    const actor = new RoomActor(room, this.deps.logger);
    this.rooms.set(room.id, actor);
    this.roomOfPlayer.set(member.playerId, actor);
    this.memberOfSession.set(member.sessionHex, member.playerId);
    this.deps.logger.debug({ event: 'room_created', room: String(room.id), mode: mode.id, owner: String(member.playerId) }, 'room created');
    return { result: RoomResult.ROOM_RESULT_OK, room: room.info() };
  }

  /** Public rooms in creation order, filtered, one page at a time. */
  list(request: ListRoomsRequest): ListRoomsResponse {
    const limit = request.limit === 0 ? DEFAULT_PAGE : Math.min(request.limit, MAX_PAGE);
    const matching = [...this.rooms.values()]
      .map((actor) => actor.room)
      .filter((room) => !room.isPrivate && (request.mode === '' || room.mode.id === request.mode) && (!request.hasSpace || room.hasSpace));
    const page = matching.slice(request.offset, request.offset + limit);
    const end = request.offset + page.length;
    return { result: RoomResult.ROOM_RESULT_OK, rooms: page.map((room) => room.info()), total: matching.length, nextOffset: end < matching.length ? end : 0 };
  }

  async join(member: MemberSession, roomId: bigint, password: string): Promise<RoomAnswer> {
    const ordinal = roomOrdinalOf(roomId);
    if (ordinal !== 0 && ordinal !== this.deps.ordinal) return { result: RoomResult.ROOM_RESULT_ROOM_ON_OTHER_INSTANCE };
    const actor = this.rooms.get(roomId);
    if (!actor) return { result: RoomResult.ROOM_RESULT_ROOM_NOT_FOUND };
    return actor.run((room) => {
      if (actor.closed) return { result: RoomResult.ROOM_RESULT_ROOM_NOT_FOUND };
      // Checked inside the mailbox: the player may have entered another room while this waited.
      if (this.roomOfPlayer.has(member.playerId)) return { result: RoomResult.ROOM_RESULT_ALREADY_IN_ROOM };
      const result = room.join(member, password, this.now());
      if (result !== RoomResult.ROOM_RESULT_OK) return { result };
      this.roomOfPlayer.set(member.playerId, actor);
      this.memberOfSession.set(member.sessionHex, member.playerId);
      this.tell(room, RoomEventKind.ROOM_EVENT_KIND_JOINED, member.playerId);
      return { result, room: room.info() };
    });
  }

  leave(member: MemberSession): Promise<RoomAnswer> {
    return this.inOwnRoom(member, (room, actor) => {
      this.removeMember(actor, member.playerId, RoomEventKind.ROOM_EVENT_KIND_LEFT);
      return { result: RoomResult.ROOM_RESULT_OK, room: room.info() };
    });
  }

  kick(member: MemberSession, target: bigint): Promise<RoomAnswer> {
    return this.inOwnRoom(member, (room, actor) => {
      const result = room.kickCheck(member.playerId, target);
      if (result !== RoomResult.ROOM_RESULT_OK) return { result };
      const kicked = room.member(target)!;
      this.removeMember(actor, target, RoomEventKind.ROOM_EVENT_KIND_KICKED, kicked);
      return { result, room: room.info() };
    });
  }

  setReady(member: MemberSession, ready: boolean): Promise<RoomAnswer> {
    return this.inOwnRoom(member, (room) => {
      const result = room.setReady(member.playerId, ready);
      if (result !== RoomResult.ROOM_RESULT_OK) return { result };
      this.tell(room, RoomEventKind.ROOM_EVENT_KIND_READY_CHANGED, member.playerId);
      return { result, room: room.info() };
    });
  }

  start(member: MemberSession): Promise<RoomAnswer> {
    return this.inOwnRoom(member, (room) => {
      const result = room.start(member.playerId);
      if (result !== RoomResult.ROOM_RESULT_OK) return { result };
      this.deps.logger.debug({ event: 'room_started', room: String(room.id), members: room.members.length }, 'room started');
      this.tell(room, RoomEventKind.ROOM_EVENT_KIND_STARTED, member.playerId);
      return { result, room: room.info() };
    });
  }

  relay(member: MemberSession, data: Uint8Array, includeSender: boolean): Promise<RoomAnswer> {
    if (data.length > MAX_RELAY_BYTES) return Promise.resolve({ result: RoomResult.ROOM_RESULT_DATA_TOO_LARGE });
    return this.inOwnRoom(member, (room) => {
      const sender = room.member(member.playerId)!;
      if (!room.takeRelayToken(sender, this.now())) return { result: RoomResult.ROOM_RESULT_RATE_LIMITED };
      const message = RelayedMessage.encode({ roomId: room.id, fromPlayerId: member.playerId, data }).finish();
      for (const to of room.members) {
        if (to === sender && !includeSender) continue;
        this.deps.push(to.sessionId, RoomSeq.ROOM_SEQ_RELAYED, message);
      }
      return { result: RoomResult.ROOM_RESULT_OK };
    });
  }

  /** Every room, private ones included, in creation order: the operators' view (RoomAdmin.ListRooms). */
  allRooms(): Room[] {
    return [...this.rooms.values()].map((actor) => actor.room);
  }

  /** `view` of the room, taken inside its mailbox so it sees no half-done operation; undefined when there is no such room. */
  async inspect<T>(roomId: bigint, view: (room: Room) => T): Promise<T | undefined> {
    const actor = this.rooms.get(roomId);
    if (!actor) return undefined;
    return actor.run((room) => (actor.closed ? undefined : view(room)));
  }

  /**
   * An operator closes the room, inside its mailbox: every member hears
   * CLOSED_BY_OPERATOR with `reason` and is free to join another room, and
   * the room is gone. How many members were removed; undefined when there is
   * no such room (or it closed while this waited).
   */
  async closeByOperator(roomId: bigint, reason: string): Promise<number | undefined> {
    const actor = this.rooms.get(roomId);
    if (!actor) return undefined;
    return actor.run((room) => {
      if (actor.closed) return undefined;
      this.tell(room, RoomEventKind.ROOM_EVENT_KIND_CLOSED_BY_OPERATOR, 0n, undefined, reason);
      for (const member of room.members) {
        if (this.roomOfPlayer.get(member.playerId) === actor) this.roomOfPlayer.delete(member.playerId);
        if (this.memberOfSession.get(member.sessionHex) === member.playerId) this.memberOfSession.delete(member.sessionHex);
      }
      actor.closed = true;
      this.rooms.delete(room.id);
      return room.members.length;
    });
  }

  /** The session ended on this instance: the member it spoke for leaves its room (unless a newer session of the player took over). */
  sessionClosed(sessionHex: string): void {
    const playerId = this.memberOfSession.get(sessionHex);
    if (playerId === undefined) return;
    this.memberOfSession.delete(sessionHex);
    const actor = this.roomOfPlayer.get(playerId);
    if (!actor) return;
    actor
      .run(() => {
        const member = actor.room.member(playerId);
        if (member && member.sessionHex === sessionHex) this.removeMember(actor, playerId, RoomEventKind.ROOM_EVENT_KIND_LEFT);
      })
      .catch(() => {
        // Already logged by the actor with the room id; a session close has no request to answer.
      });
  }

  /** Runs `operation` in the mailbox of the caller's room, after pointing its member at the caller's current session. */
  private inOwnRoom(member: MemberSession, operation: (room: Room, actor: RoomActor) => RoomAnswer): Promise<RoomAnswer> {
    const actor = this.roomOfPlayer.get(member.playerId);
    if (!actor) return Promise.resolve({ result: RoomResult.ROOM_RESULT_NOT_IN_ROOM });
    return actor.run((room) => {
      const current = room.member(member.playerId);
      if (actor.closed || !current) return { result: RoomResult.ROOM_RESULT_NOT_IN_ROOM };
      // The player came back on a new session (reconnect): pushes follow it; nobody is kicked.
      if (current.sessionHex !== member.sessionHex) {
        this.memberOfSession.delete(current.sessionHex);
        this.memberOfSession.set(member.sessionHex, member.playerId);
      }
      current.sessionId = member.sessionId;
      current.sessionHex = member.sessionHex;
      return operation(room, actor);
    });
  }

  /** Inside the room's mailbox: removes a member, tells the others (and a kicked player), hands over or closes. */
  private removeMember(actor: RoomActor, playerId: bigint, kind: RoomEventKind, alsoTell?: RoomMember): void {
    const room = actor.room;
    const removal = room.remove(playerId);
    if (!removal) return;
    if (this.roomOfPlayer.get(playerId) === actor) this.roomOfPlayer.delete(playerId);
    if (this.memberOfSession.get(removal.removed.sessionHex) === playerId) this.memberOfSession.delete(removal.removed.sessionHex);
    this.tell(room, kind, playerId, alsoTell);
    if (removal.newOwner !== undefined) this.tell(room, RoomEventKind.ROOM_EVENT_KIND_OWNER_CHANGED, removal.newOwner);
    if (removal.empty) {
      actor.closed = true;
      this.rooms.delete(room.id);
      this.deps.logger.debug({ event: 'room_closed', room: String(room.id) }, 'last member left; room closed');
    }
  }

  /** One RoomEvent, encoded once, pushed to every member (and `extra`, e.g. the kicked player). */
  private tell(room: Room, kind: RoomEventKind, playerId: bigint, extra?: RoomMember, reason = ''): void {
    const event = RoomEvent.encode({ kind, playerId, room: room.info(), reason }).finish();
    for (const member of room.members) this.deps.push(member.sessionId, RoomSeq.ROOM_SEQ_EVENT, event);
    if (extra) this.deps.push(extra.sessionId, RoomSeq.ROOM_SEQ_EVENT, event);
  }
}
