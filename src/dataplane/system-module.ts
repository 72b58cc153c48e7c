// Module 1 (System), answered by the gate itself without a backend hop.
import { Heartbeat, HeartbeatReply, PacketCode, SystemSeq, type Packet } from '../gen/pantheon/client/v1/packet.js';
import type { GateSession } from './session.js';

export function handleSystemPacket(session: GateSession, packet: Packet): void {
  if (packet.seq !== SystemSeq.SYSTEM_SEQ_HEARTBEAT) {
    session.respond(packet, PacketCode.PACKET_CODE_UNKNOWN_SEQ);
    return;
  }
  try {
    Heartbeat.decode(packet.data);
  } catch {
    session.respond(packet, PacketCode.PACKET_CODE_BAD_REQUEST);
    return;
  }
  session.respond(packet, PacketCode.PACKET_CODE_OK, HeartbeatReply.encode({ serverTimeMs: BigInt(Date.now()) }).finish());
}
