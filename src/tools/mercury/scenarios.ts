// The scripted mixes a simulated player plays once in the game. A scenario
// only decides the next action; the player times it, counts it and thinks
// between actions. Must not sleep or catch errors itself.
import { RoomResult } from '../../gen/pantheon/game/v1/room.js';
import type { GameCalls } from './game-calls.js';
import type { ScenarioName } from './options.js';
import { roomResultError } from './stats.js';

export interface Action {
  name: string;
  run(): Promise<void>;
}

export interface Scenario {
  next(): Action;
  /** What to do before disconnecting (leave a room), or null. */
  finish(): Action | null;
}

const ROOM_MODE = 'free_for_all';
const ROOM_CAPACITY = 8;
/** Each relay action has this chance of leaving the room instead, so rooms churn. */
const LEAVE_CHANCE = 1 / 30;
/** A join that lost a race to other players: the room filled, closed or started meanwhile. */
const LOST_RACES = new Set<number>([RoomResult.ROOM_RESULT_ROOM_FULL, RoomResult.ROOM_RESULT_ROOM_NOT_FOUND, RoomResult.ROOM_RESULT_ROOM_STARTED]);

export function createScenario(name: ScenarioName, calls: GameCalls, label: string): Scenario {
  if (name === 'chat') return chatScenario(calls, label);
  if (name === 'rooms') return roomsScenario(calls);
  return smokeScenario(calls, label);
}

function chatScenario(calls: GameCalls, label: string): Scenario {
  let sent = 0;
  return {
    next: () => ({ name: 'chat.world', run: async () => void (await calls.worldChat(`${label} says hello #${++sent}`)) }),
    finish: () => null,
  };
}

/** Every kind of request once per round, in a fixed order. */
function smokeScenario(calls: GameCalls, label: string): Scenario {
  let step = 0;
  let inRoom = false;
  const leave: Action = { name: 'room.leave', run: async () => void (await calls.leaveRoom(), (inRoom = false)) };
  const round: Action[] = [
    { name: 'heartbeat', run: async () => void (await calls.heartbeat()) },
    { name: 'profile.get', run: async () => void (await calls.profile()) },
    { name: 'inventory.list', run: async () => void (await calls.inventory()) },
    { name: 'chat.world', run: async () => void (await calls.worldChat(`${label} smoke round ${Math.floor(step / 6) + 1}`)) },
    { name: 'room.create', run: async () => void (await calls.createRoom(ROOM_MODE, ROOM_CAPACITY), (inRoom = true)) },
    leave,
  ];
  return {
    next: () => round[step++ % round.length],
    finish: () => (inRoom ? leave : null),
  };
}

/** Join an open room (or create one) of up to 8, then relay small position updates. */
function roomsScenario(calls: GameCalls): Scenario {
  let inRoom = false;
  const position = new Float32Array(3);
  const find: Action = {
    name: 'room.join-or-create',
    run: async () => {
      const open = await calls.openRooms(ROOM_MODE);
      const candidate = open.rooms[0];
      if (candidate) {
        const joined = await calls.joinRoom(candidate.roomId);
        if (joined.result === RoomResult.ROOM_RESULT_OK) return void (inRoom = true);
        if (!LOST_RACES.has(joined.result)) throw roomResultError('room.join', joined.result);
      }
      await calls.createRoom(ROOM_MODE, ROOM_CAPACITY);
      inRoom = true;
    },
  };
  const relay: Action = {
    name: 'room.relay',
    run: async () => {
      for (let axis = 0; axis < 3; axis++) position[axis] += Math.random() - 0.5;
      await calls.relay(new Uint8Array(position.buffer.slice(0)));
    },
  };
  const leave: Action = { name: 'room.leave', run: async () => void (await calls.leaveRoom(), (inRoom = false)) };
  return {
    next: () => (!inRoom ? find : Math.random() < LEAVE_CHANCE ? leave : relay),
    finish: () => (inRoom ? leave : null),
  };
}
