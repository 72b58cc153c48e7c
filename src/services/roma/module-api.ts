// The contract between the Roma runtime and game modules. A module is a plain
// object mapping message ids (seq) to handlers; it sees sessions and bytes,
// never gRPC, streams or envelopes, so it can be unit-tested without a server.
import type { Logger } from '../../common/logger.js';
import { PacketCode } from '../../gen/pantheon/client/v1/packet.js';

export { PacketCode };

/** What a module knows about the player behind a request. */
export interface SessionInfo {
  readonly id: Uint8Array;
  /** `id` as lowercase hex: a stable key for maps and logs. */
  readonly idHex: string;
  readonly accountId: bigint;
  /** The player the session entered the game as (bound by the gate); 0 before enter game. */
  readonly playerId: bigint;
  readonly color: string;
  /** The gate instance holding the client connection ('' if the gate did not say). */
  readonly gateId: string;
}

export interface ModuleRequest {
  readonly session: SessionInfo;
  readonly data: Uint8Array;
  readonly obj: bigint;
  readonly dataVersion: bigint;
}

export interface PushMessage {
  /** Defaults to the module whose handler is pushing. */
  readonly mod?: number;
  readonly seq: number;
  readonly data: Uint8Array;
}

export interface HandlerContext {
  /** Sends a server push to the session that made this request; false if it is gone. */
  push(message: PushMessage): boolean;
  /** Sends a server push to any session this Roma instance holds; false if unknown here. */
  pushTo(sessionId: Uint8Array, message: PushMessage): boolean;
  /** Binds this request's session to `playerId` at the gate (enter game); false if the session is gone. */
  bindSession(playerId: bigint): boolean;
  /** Already carries the module name and the session id. */
  readonly logger: Logger;
}

/**
 * A response that sets its own Packet.obj (a bare Uint8Array echoes the
 * request's obj): e.g. the Room module names the room a player entered, so
 * gates learn which instance holds it (gate.keyed_modules).
 */
export interface ObjResponse {
  readonly data: Uint8Array;
  readonly obj: bigint;
}

/** Returns the response data; throw RequestRejected to answer with a PacketCode instead. */
export type Handler = (request: ModuleRequest, ctx: HandlerContext) => Promise<Uint8Array | ObjResponse> | Uint8Array | ObjResponse;

export interface RomaModule {
  /** The Packet.mod clients use: 2 = Echo, game modules from 100. 1 (System) belongs to the gate. */
  readonly id: number;
  readonly name: string;
  /** Keyed by Packet.seq. */
  readonly handlers: Readonly<Record<number, Handler>>;
}

/** Identity function that gives module literals their type (and editor help). */
export function defineModule(module: RomaModule): RomaModule {
  return module;
}

/**
 * An expected refusal (undecodable data, a rule the client broke): the client
 * gets `code` and the server logs it at debug, unlike an unexpected throw,
 * which becomes PACKET_CODE_INTERNAL and an error log line.
 */
export class RequestRejected extends Error {
  readonly packetCode: PacketCode;

  constructor(packetCode: PacketCode, message: string) {
    super(message);
    this.name = 'RequestRejected';
    this.packetCode = packetCode;
  }
}
