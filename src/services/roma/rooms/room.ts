// One room's state and rules: members in join order, owner, ready flags,
// start, and the per-player relay budget. Pure and synchronous — it knows
// nothing about sessions, pushes or other rooms; the RoomActor serializes
// calls and the RoomService turns outcomes into pushes.
import { RoomResult, RoomState, type RoomInfo } from '../../../gen/pantheon/game/v1/room.js';
import type { RoomMode } from '../gamedata/index.js';

export interface RoomMember {
  readonly playerId: bigint;
  /** The session pushes go to; replaced when the player comes back on a new session. */
  sessionId: Uint8Array;
  sessionHex: string;
  ready: boolean;
  readonly joinedAtMs: number;
  /** Relay token bucket: refilled at the mode's relay_rate_limit_per_s, holding at most one second's worth. */
  relayTokens: number;
  relayRefilledAtMs: number;
}

export interface MemberSession {
  playerId: bigint;
  sessionId: Uint8Array;
  sessionHex: string;
}

/** What a removal changed, so the caller can tell the members. */
export interface Removal {
  removed: RoomMember;
  /** The new owner when the owner left; undefined otherwise. */
  newOwner: bigint | undefined;
  /** No member is left: the room must be closed. */
  empty: boolean;
}

export class Room {
  readonly members: RoomMember[] = [];
  ownerId: bigint;
  state: RoomState = RoomState.ROOM_STATE_WAITING;

  constructor(
    readonly id: bigint,
    readonly mode: RoomMode,
    readonly capacity: number,
    /** '' = public. */
    private readonly password: string,
    readonly createdAtMs: number,
    creator: MemberSession,
  ) {
    this.ownerId = creator.playerId;
    this.members.push(newMember(creator, mode, createdAtMs));
  }

  get isPrivate(): boolean {
    return this.password !== '';
  }

  get hasSpace(): boolean {
    return this.state === RoomState.ROOM_STATE_WAITING && this.members.length < this.capacity;
  }

  member(playerId: bigint): RoomMember | undefined {
    return this.members.find((member) => member.playerId === playerId);
  }

  /** Adds `joiner`, or says why not. */
  join(joiner: MemberSession, password: string, nowMs: number): RoomResult {
    if (this.isPrivate && password !== this.password) return RoomResult.ROOM_RESULT_WRONG_PASSWORD;
    if (this.state !== RoomState.ROOM_STATE_WAITING) return RoomResult.ROOM_RESULT_ROOM_STARTED;
    if (this.members.length >= this.capacity) return RoomResult.ROOM_RESULT_ROOM_FULL;
    this.members.push(newMember(joiner, this.mode, nowMs));
    return RoomResult.ROOM_RESULT_OK;
  }

  /** Removes `playerId`; the owner's leaving hands the room to the longest-present member. */
  remove(playerId: bigint): Removal | undefined {
    const index = this.members.findIndex((member) => member.playerId === playerId);
    if (index < 0) return undefined;
    const [removed] = this.members.splice(index, 1);
    let newOwner: bigint | undefined;
    if (removed.playerId === this.ownerId && this.members.length > 0) {
      // Members stay in join order, so the first one has been here longest.
      newOwner = this.members[0].playerId;
      this.ownerId = newOwner;
    }
    return { removed, newOwner, empty: this.members.length === 0 };
  }

  /** Kick by `byPlayer`: the owner removes another member. */
  kickCheck(byPlayer: bigint, target: bigint): RoomResult {
    if (byPlayer !== this.ownerId) return RoomResult.ROOM_RESULT_NOT_OWNER;
    if (target === byPlayer || !this.member(target)) return RoomResult.ROOM_RESULT_MEMBER_NOT_FOUND;
    return RoomResult.ROOM_RESULT_OK;
  }

  setReady(playerId: bigint, ready: boolean): RoomResult {
    const member = this.member(playerId);
    if (!member) return RoomResult.ROOM_RESULT_NOT_IN_ROOM;
    if (this.state !== RoomState.ROOM_STATE_WAITING) return RoomResult.ROOM_RESULT_ROOM_STARTED;
    member.ready = ready;
    return RoomResult.ROOM_RESULT_OK;
  }

  /** Owner only; needs min_players and, in a ready_required mode, every member ready. Then no more joins. */
  start(byPlayer: bigint): RoomResult {
    if (byPlayer !== this.ownerId) return RoomResult.ROOM_RESULT_NOT_OWNER;
    if (this.state !== RoomState.ROOM_STATE_WAITING) return RoomResult.ROOM_RESULT_ROOM_STARTED;
    if (this.members.length < this.mode.min_players) return RoomResult.ROOM_RESULT_TOO_FEW_PLAYERS;
    if (this.mode.ready_required && this.members.some((member) => !member.ready)) return RoomResult.ROOM_RESULT_NOT_ALL_READY;
    this.state = RoomState.ROOM_STATE_STARTED;
    return RoomResult.ROOM_RESULT_OK;
  }

  /** Spends one relay token of `member`; false when it relays faster than the mode allows. */
  takeRelayToken(member: RoomMember, nowMs: number): boolean {
    const rate = this.mode.relay_rate_limit_per_s;
    const elapsedS = Math.max(0, nowMs - member.relayRefilledAtMs) / 1000;
    member.relayTokens = Math.min(rate, member.relayTokens + elapsedS * rate);
    member.relayRefilledAtMs = nowMs;
    if (member.relayTokens < 1) return false;
    member.relayTokens -= 1;
    return true;
  }

  info(): RoomInfo {
    return {
      roomId: this.id,
      mode: this.mode.id,
      capacity: this.capacity,
      private: this.isPrivate,
      ownerId: this.ownerId,
      members: this.members.map((member) => ({ playerId: member.playerId, ready: member.ready, joinedAtMs: BigInt(member.joinedAtMs) })),
      state: this.state,
    };
  }
}

function newMember(session: MemberSession, mode: RoomMode, nowMs: number): RoomMember {
  return {
    playerId: session.playerId,
    sessionId: session.sessionId,
    sessionHex: session.sessionHex,
    ready: false,
    joinedAtMs: nowMs,
    relayTokens: mode.relay_rate_limit_per_s,
    relayRefilledAtMs: nowMs,
  };
}
