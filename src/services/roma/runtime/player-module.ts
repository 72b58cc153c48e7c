// The contract between the player runtime and player-scoped game modules
// (modules v2). A module declares its id, its handlers (seq -> request and
// response message types + a function), its persisted state and its hooks;
// it never sees sessions, streams, envelopes or the store's versioning.
import type { Logger } from '../../../common/logger.js';
import type { PlayerStore } from '../../../store/index.js';
import type { GameData } from '../gamedata/index.js';

/** What ts-proto generates for every message: enough to decode a request and build/encode a response. */
export interface MessageType<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
  fromPartial(object: any): T;
}

/** Every game response carries a GameResult in `result`, so the runtime can answer NOT_IN_GAME for any of them. */
export interface GameResponse {
  result: number;
}

/** One player's view while a handler or hook runs inside that player's actor. */
export interface PlayerContext {
  readonly playerId: bigint;
  readonly accountId: bigint;
  readonly zone: number;
  readonly gameData: GameData;
  /** For name claims and other index work; the player document itself is saved by the runtime. */
  readonly store: PlayerStore;
  readonly logger: Logger;
  now(): number;
  /** The live state of `module` for this player (mutate it, then call changed). */
  state<S>(module: PlayerModule<S>): S;
  /** Marks `module`'s state dirty so the next save writes it. */
  changed(module: PlayerModule<any>): void;
  /** Asks for a save as soon as the current message is done. */
  saveSoon(): void;
  /** Saves now and waits (retrying store errors); false if another instance owns the player (this copy stops). */
  save(): Promise<boolean>;
  /** Server push to the player's client (index 0); dropped quietly while the player is offline. */
  push(mod: number, seq: number, data: Uint8Array): void;
}

export interface PlayerHandler<Req = any, Res extends GameResponse = any> {
  readonly request: MessageType<Req>;
  readonly response: MessageType<Res>;
  handle(ctx: PlayerContext, request: Req): Promise<Res> | Res;
}

export interface PlayerHooks {
  /** Once, when the character is created, after every module's initial state exists. */
  onCreate?(ctx: PlayerContext): void;
  /** When a session enters the game with the character (not when an admin touches it offline). */
  onLogin?(ctx: PlayerContext): void;
  onSecond?(ctx: PlayerContext): void;
  onMinute?(ctx: PlayerContext): void;
  /** When the bound session leaves (closed, kicked); runs before the final save. */
  onLogout?(ctx: PlayerContext): void;
}

export interface PlayerModule<S = unknown> {
  /** Packet.mod, from 100 up. */
  readonly id: number;
  /** Key of the state in the player document's `modules`; never rename once players exist. */
  readonly name: string;
  /** The state of a new character. */
  initialState(): S;
  /**
   * Turns what the document holds (JSON; undefined when the module is newer
   * than the character) into the state; fill defaults here for old documents.
   */
  loadState(stored: unknown): S;
  readonly handlers: Readonly<Record<number, PlayerHandler>>;
  readonly hooks?: PlayerHooks;
}

export function definePlayerModule<S>(module: PlayerModule<S>): PlayerModule<S> {
  return module;
}

/** Keeps the request and response types of one handler tied together. */
export function playerHandler<Req, Res extends GameResponse>(
  request: MessageType<Req>,
  response: MessageType<Res>,
  handle: (ctx: PlayerContext, request: Req) => Promise<Res> | Res,
): PlayerHandler<Req, Res> {
  return { request, response, handle };
}

/** A plain object (not null, not an array), for loadState guards. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
