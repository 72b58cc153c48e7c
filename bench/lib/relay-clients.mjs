// Room-relay players for the `room-relay` (Pantheon) and `peer-colyseus`
// scenarios, driven the same way: rooms of 8 are formed inside one load
// thread, every player sends a 20-byte position update (f64 send time + three
// f32 coordinates) at a fixed rate, and the server relays it to the other 7.
// All members of a room live in one thread, so the send time in the payload
// and the arrival time come from the same clock. A message counts when its
// send time falls in the measured window, however late it arrives, so the
// delivery ratio (delivered / (sent × (members − 1))) shows drops and lag.
import { randomBytes } from 'node:crypto';
import * as hdr from 'hdr-histogram-js';
import { CharacterSeq, CreateCharacterRequest, CreateCharacterResponse, EnterGameRequest, EnterGameResponse } from '../../dist/gen/pantheon/game/v1/character.js';
import { GameModule } from '../../dist/gen/pantheon/game/v1/common.js';
import { CreateRoomRequest, CreateRoomResponse, JoinRoomRequest, JoinRoomResponse, RoomModule, RoomSeq } from '../../dist/gen/pantheon/game/v1/room.js';
import { histogramOptions } from './client-pool.mjs';
import { corkedWriter, handshake, openSocket, writePacketHead } from './fast-client.mjs';

export const ROOM_SIZE = 8;
const PAYLOAD_BYTES = 20;
const TICK_MS = 5;
const COLYSEUS = { JOIN_ROOM: 10, ROOM_DATA_BYTES: 17 };
const ROOM_MODE = 'free_for_all'; // gamedata/room_modes.json: 2..8 players, no ready step

const write = corkedWriter();
const players = [];
const run = { from: Infinity, to: -Infinity, hist: null, delivered: 0, expected: 0, sent: 0, errors: 0, firstError: null };

function failed(error) {
  run.errors++;
  run.firstError ??= String(error);
}

function delivered(sentAt) {
  if (sentAt < run.from || sentAt >= run.to) return;
  run.delivered++;
  run.hist.recordValue(Math.max(1, Math.round((performance.now() - sentAt) * 1000)));
}

function writePosition(target, at, sentAt, player) {
  target.writeDoubleLE(sentAt, at);
  player.x += Math.random() - 0.5;
  player.y += Math.random() - 0.5;
  target.writeFloatLE(player.x, at + 8);
  target.writeFloatLE(player.y, at + 12);
  target.writeFloatLE(0, at + 16);
}

// ---- Pantheon: PANTHEON/1 session, character, room, then Room.Relay requests ----

/** Packet fields the relay path reads: index 4, seq 2, code 8, data 5 (offsets into `bytes`). */
function scanRelayPacket(bytes, out) {
  out.index = 0; out.seq = 0; out.code = 0; out.dataStart = 0; out.dataEnd = 0;
  let at = 0;
  while (at < bytes.length) {
    const tag = bytes[at++]; // every Packet field number is < 16: a one-byte tag
    const wire = tag & 7, field = tag >>> 3;
    if (wire === 0) {
      let value = 0, mul = 1, b;
      do { b = bytes[at++]; value += (b & 0x7f) * mul; mul *= 128; } while (b & 0x80);
      if (field === 4) out.index = value;
      else if (field === 2) out.seq = value;
      else if (field === 8) out.code = value;
    } else if (wire === 2) {
      let len = 0, shift = 0, b;
      do { b = bytes[at++]; len |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
      if (field === 5) { out.dataStart = at; out.dataEnd = at + len; }
      at += len;
    } else throw new Error(`unexpected wire type ${wire} in a Packet`);
  }
  return out;
}

/** RelayedMessage.data (field 3) inside a push: returns its offset, or -1. */
function relayedDataAt(bytes, start, end) {
  let at = start;
  while (at < end) {
    const tag = bytes[at++];
    if ((tag & 7) === 0) { while (bytes[at++] & 0x80); continue; }
    let len = 0, shift = 0, b;
    do { b = bytes[at++]; len |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    if (tag >>> 3 === 3) return len >= PAYLOAD_BYTES ? at : -1;
    at += len;
  }
  return -1;
}

function pantheonPlayer(conn) {
  const pending = new Map();
  const scan = {};
  const scratch = Buffer.alloc(64);
  const player = {
    kind: 'pantheon', conn, roomId: 0, members: 0, x: 0, y: 0, index: 0,
    /** A setup request: resolves with the reply's data, rejects on a non-zero Packet.code. */
    call(mod, seq, data, obj = 0) {
      player.index = (player.index + 1) >>> 0 || 1;
      const index = player.index;
      const packet = Buffer.alloc(48 + data.length);
      const at = writePacketHead(packet, mod, seq, obj, index, data.length);
      packet.set(data, at);
      conn.socket.send(conn.sealer.seal(packet.subarray(0, at + data.length)));
      return new Promise((resolve, reject) => pending.set(index, { resolve, reject, what: `${mod}/${seq}` }));
    },
    send(sentAt) {
      player.index = (player.index + 1) >>> 0 || 1;
      let at = writePacketHead(scratch, RoomModule.ROOM_MODULE_ID, RoomSeq.ROOM_SEQ_RELAY, player.roomId, player.index, PAYLOAD_BYTES + 2);
      scratch[at++] = 0x0a; scratch[at++] = PAYLOAD_BYTES; // Packet.data = RelayRequest{data}
      writePosition(scratch, at, sentAt, player);
      write(conn.socket, conn.sealer.seal(scratch.subarray(0, at + PAYLOAD_BYTES)));
    },
  };
  conn.socket.on('message', (body) => {
    const plain = conn.opener.open(body);
    if (!plain) { failed('a frame did not authenticate'); conn.socket.terminate(); return; }
    scanRelayPacket(plain, scan);
    if (scan.index === 0) {
      if (scan.seq !== RoomSeq.ROOM_SEQ_RELAYED) return; // room events (joins) are not measured
      const at = relayedDataAt(plain, scan.dataStart, scan.dataEnd);
      if (at < 0) failed('a RelayedMessage without a position');
      else delivered(plain.readDoubleLE(at));
      return;
    }
    const waiter = pending.get(scan.index);
    if (waiter) {
      pending.delete(scan.index);
      if (scan.code !== 0) waiter.reject(new Error(`${waiter.what} answered with Packet.code ${scan.code}`));
      else waiter.resolve(plain.subarray(scan.dataStart, scan.dataEnd));
      return;
    }
    // A RelayResponse: Packet.code and RelayResponse.result (field 1) must both be 0 (13 = rate limited).
    if (scan.code !== 0) failed(`relay answered with Packet.code ${scan.code}`);
    else if (scan.dataEnd > scan.dataStart && plain[scan.dataStart] === 0x08 && plain[scan.dataStart + 1] !== 0) failed(`relay result ${plain[scan.dataStart + 1]}`);
  });
  conn.socket.on('close', () => { for (const waiter of pending.values()) waiter.reject(new Error('closed during setup')); pending.clear(); });
  return player;
}

async function enterGame(player) {
  const C = GameModule.GAME_MODULE_CHARACTER;
  const name = `b${randomBytes(6).toString('hex')}`;
  const created = CreateCharacterResponse.decode(await player.call(C, CharacterSeq.CHARACTER_SEQ_CREATE, CreateCharacterRequest.encode({ name }).finish()));
  if (created.result !== 0) throw new Error(`character create result ${created.result}`);
  const entered = EnterGameResponse.decode(await player.call(C, CharacterSeq.CHARACTER_SEQ_ENTER, EnterGameRequest.encode({ playerId: created.character.playerId }).finish()));
  if (entered.result !== 0) throw new Error(`enter game result ${entered.result}`);
}

/** One room: the first player creates it, the rest join with the room id in Packet.obj. */
async function pantheonRoom(members) {
  await Promise.all(members.map(enterGame));
  const [owner, ...rest] = members;
  const R = RoomModule.ROOM_MODULE_ID;
  const created = CreateRoomResponse.decode(await owner.call(R, RoomSeq.ROOM_SEQ_CREATE, CreateRoomRequest.encode({ mode: ROOM_MODE, capacity: ROOM_SIZE, password: '' }).finish()));
  if (created.result !== 0) throw new Error(`room create result ${created.result}`);
  const roomId = Number(created.room.roomId);
  await Promise.all(rest.map(async (member) => {
    const joined = JoinRoomResponse.decode(await member.call(R, RoomSeq.ROOM_SEQ_JOIN, JoinRoomRequest.encode({ roomId: BigInt(roomId), password: '' }).finish(), roomId));
    if (joined.result !== 0) throw new Error(`room join result ${joined.result}`);
  }));
  for (const member of members) Object.assign(member, { roomId, members: members.length });
}

// ---- Colyseus: HTTP seat reservation, WebSocket join, ROOM_DATA_BYTES relayed by the room ----

async function colyseusSeat(httpBase, roomId) {
  const path = roomId ? `/matchmake/joinById/${roomId}` : '/matchmake/create/relay';
  const response = await fetch(`${httpBase}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const seat = await response.json();
  if (!response.ok || !seat.sessionId) throw new Error(`Colyseus ${path}: ${response.status} ${JSON.stringify(seat)}`);
  return seat;
}

async function colyseusPlayer(httpBase, roomId, localAddress) {
  const seat = await colyseusSeat(httpBase, roomId);
  let joined;
  const joining = new Promise((resolve, reject) => { joined = { resolve, reject }; });
  // A plain function: `this` is the WebSocket, which can speak before openSocket has resolved.
  const onMessage = function (body) {
    if (body[0] === COLYSEUS.ROOM_DATA_BYTES) delivered(body.readDoubleLE(2));
    else if (body[0] === COLYSEUS.JOIN_ROOM) {
      this.send(Buffer.from([COLYSEUS.JOIN_ROOM])); // the client's acknowledgement: the room now sends to it
      joined.resolve();
    }
  };
  const socket = await openSocket(`${httpBase.replace('http', 'ws')}/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`, localAddress, onMessage);
  const player = {
    kind: 'colyseus', conn: { socket }, roomId: seat.roomId, members: 0, x: 0, y: 0,
    send(sentAt) {
      const frame = Buffer.allocUnsafe(2 + PAYLOAD_BYTES); // not reused: ws may keep a reference until the socket uncorks
      frame[0] = COLYSEUS.ROOM_DATA_BYTES;
      frame[1] = 0; // message type 0 (a one-byte number)
      writePosition(frame, 2, sentAt, player);
      write(socket, frame);
    },
  };
  const timer = setTimeout(() => joined.reject(new Error('no JOIN_ROOM from Colyseus within 10 s')), 10_000);
  socket.once('close', () => joined.reject(new Error('Colyseus closed the socket while joining')));
  try {
    await joining;
  } finally {
    clearTimeout(timer);
  }
  return player;
}

async function colyseusRoom(httpBase, localAddress) {
  const owner = await colyseusPlayer(httpBase, null, localAddress);
  const rest = await Promise.all(Array.from({ length: ROOM_SIZE - 1 }, () => colyseusPlayer(httpBase, owner.roomId, localAddress)));
  const members = [owner, ...rest];
  for (const member of members) member.members = members.length;
  return members;
}

// ---- commands (run by load-worker.mjs) ----

/**
 * Adds `rooms` rooms of 8 to this thread. Pantheon players connect through
 * `connectPantheon()` (a handshaken connection); Colyseus players through the
 * server's HTTP matchmaker. `concurrency` rooms are set up at a time.
 */
export async function addRooms({ kind, rooms, httpBase, localAddresses, concurrency = 8 }, connectPantheon) {
  let next = 0, made = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, rooms) }, async () => {
    while (next < rooms) {
      const localAddress = localAddresses[next++ % localAddresses.length];
      let members;
      if (kind === 'pantheon') {
        members = [];
        for (let i = 0; i < ROOM_SIZE; i++) members.push(pantheonPlayer(await connectPantheon(localAddress)));
        players.push(...members);
        await pantheonRoom(members);
      } else {
        members = await colyseusRoom(httpBase, localAddress);
        players.push(...members);
      }
      for (const member of members) member.conn.socket.on('error', failed);
      made++;
    }
  }));
  return { rooms: made, players: players.length };
}

/** Every player sends at `hz`, spread evenly over the period; counts what was sent and relayed inside the window. */
export async function relayMeasured({ hz, warmupMs, durationMs, drainMs = 2_000 }) {
  Object.assign(run, { hist: hdr.build(histogramOptions), delivered: 0, expected: 0, sent: 0, errors: 0, firstError: null });
  const start = performance.now();
  run.from = start + warmupMs;
  run.to = run.from + durationMs;
  const slots = Math.max(1, Math.round(1000 / hz / TICK_MS));
  let tick = 0;
  const lag = hdr.build(histogramOptions);
  const timer = setInterval(() => {
    // Tick k is due at start + k × TICK_MS; a late timer catches up. Sends carry the time they leave, and how
    // late the client sent them is reported apart (send_lag_ms), so a saturated client shows instead of hiding.
    const now = performance.now();
    for (; start + tick * TICK_MS <= now; tick++) {
      const due = start + tick * TICK_MS;
      if (due >= run.to) continue;
      const recorded = due >= run.from;
      if (recorded) lag.recordValue(Math.max(1, Math.round((now - due) * 1000)));
      for (let i = tick % slots; i < players.length; i += slots) {
        const player = players[i];
        const sentAt = performance.now();
        player.send(sentAt);
        if (sentAt >= run.from && sentAt < run.to) { run.sent++; run.expected += player.members - 1; }
      }
    }
  }, TICK_MS);
  await new Promise((resolve) => setTimeout(resolve, warmupMs + durationMs));
  clearInterval(timer);
  for (let waited = 0; run.delivered < run.expected && waited < drainMs; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  const result = {
    count: run.delivered, expected: run.expected, sent: run.sent, errors: run.errors, firstError: run.firstError,
    hist: hdr.encodeIntoCompressedBase64(run.hist),
    worstThreadSendLagP99Ms: lag.totalCount ? lag.getValueAtPercentile(99) / 1000 : 0,
  };
  run.hist.destroy();
  lag.destroy();
  run.from = Infinity;
  return result;
}

export function closeRooms() {
  for (const player of players) player.conn.socket.terminate();
  players.length = 0;
  return {};
}
