// Shared steps of the routing end-to-end tests: connecting a player to a
// chosen gate with a chosen color, asking a Roma instance who it serves,
// collecting pushes, and reading a gate's /stats/routing.
import { credentials } from '@grpc/grpc-js';
import { expect } from 'vitest';
import { connectWebSocket, type IncomingPacket, type PantheonClient } from '../../src/sdk/node.js';
import { RomaAdminClient, type ListRomaSessionsResponse } from '../../src/gen/pantheon/roma/v1/tunnel.js';
import type { TestPlayer } from '../harness/player.js';

export const text = (s: string) => new TextEncoder().encode(s);
export const ECHO = { mod: 2, seq: 1 };

/** A session of `player` on the gate at `wsUrl`, with a token of `color` (undefined = no color). */
export async function connectTo(player: TestPlayer, wsUrl: string, color?: string): Promise<PantheonClient> {
  const grant = await player.grant(color);
  return connectWebSocket(wsUrl, { token: grant.token, gateKeys: grant.gate_keys });
}

export async function echo(client: PantheonClient, message: string): Promise<void> {
  const reply = await client.request(ECHO.mod, ECHO.seq, text(message));
  expect(new TextDecoder().decode(reply.data)).toBe(message);
}

/** Account ids with a session on the Roma instance at `address` (RomaAdmin.ListSessions). */
export async function romaAccounts(address: string): Promise<string[]> {
  const admin = new RomaAdminClient(address, credentials.createInsecure());
  try {
    const response = await new Promise<ListRomaSessionsResponse>((resolveList, reject) =>
      admin.listSessions({}, (error, reply) => (error ? reject(error) : resolveList(reply))),
    );
    return response.sessions.map((session) => session.accountId.toString());
  } finally {
    admin.close();
  }
}

/** Every push a client receives, in order. */
export function collectPushes(client: PantheonClient): IncomingPacket[] {
  const pushes: IncomingPacket[] = [];
  client.onPush((packet) => pushes.push(packet));
  return pushes;
}

export async function routingStats(adminUrl: string): Promise<{ kind: string; router: { up: boolean; fallbacks: number; errors: number } }> {
  const response = await fetch(`${adminUrl}/stats/routing`);
  return (await response.json()) as { kind: string; router: { up: boolean; fallbacks: number; errors: number } };
}

export const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
