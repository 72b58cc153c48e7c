// How the control plane hands pushes to workers, and the session directory's
// account index behind it.
import { describe, expect, it } from 'vitest';
import { deliverToAccounts, deliverToAll, MAX_PUSH_DATA_BYTES } from '../../src/controlplane/push/session-delivery.js';
import { SessionDirectory } from '../../src/controlplane/session-directory.js';
import type { ControlMessage, DeliverToSessions } from '../../src/gen/pantheon/gate/v1/ring.js';
import { MemoryPlayerLocator } from '../../src/routing/player-locator.js';

const sessionId = (n: number) => Uint8Array.from({ length: 16 }, (_, i) => (i === 15 ? n & 0xff : i === 14 ? n >> 8 : 0));
const open = (directory: SessionDirectory, worker: number, n: number, accountId: bigint, color = '') =>
  directory.opened(worker, { sessionId: sessionId(n), accountId, color, transport: 'ws', remoteAddress: '127.0.0.1', openedAtMs: 0n });

function capture() {
  const sent: { worker: number; deliver: DeliverToSessions }[] = [];
  const send = (worker: number, message: ControlMessage) => {
    if (message.body?.$case === 'deliver') sent.push({ worker, deliver: message.body.value });
  };
  return { sent, send };
}

describe('push delivery to workers', () => {
  it('sends one message per worker carrying all of its target sessions, and names absent accounts', () => {
    const directory = new SessionDirectory();
    open(directory, 0, 1, 10n);
    open(directory, 0, 2, 11n);
    open(directory, 1, 3, 11n); // account 11 is connected twice, on two workers
    open(directory, 1, 4, 12n);
    open(directory, 2, 5, 13n); // not targeted
    const { sent, send } = capture();
    const result = deliverToAccounts(directory, send, [10n, 11n, 12n, 12n, 99n], { mod: 100, seq: 1, data: Uint8Array.of(7) });
    expect(result).toEqual({ sessions: 4, absent: [99n] });
    expect(sent.map(({ worker, deliver }) => [worker, deliver.sessionIds.length])).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(sent[0].deliver).toMatchObject({ allSessions: false, mod: 100, seq: 1, data: Uint8Array.of(7) });
  });

  it('splits a huge multicast so every ring message stays under a quarter of the ring', () => {
    const directory = new SessionDirectory();
    const accounts = Array.from({ length: 60_000 }, (_, i) => BigInt(i + 1));
    accounts.forEach((accountId, i) => open(directory, 0, i, accountId));
    const { sent, send } = capture();
    const data = new Uint8Array(MAX_PUSH_DATA_BYTES);
    expect(deliverToAccounts(directory, send, accounts, { mod: 100, seq: 1, data }).sessions).toBe(60_000);
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.reduce((sum, { deliver }) => sum + deliver.sessionIds.length, 0)).toBe(60_000);
    for (const { deliver } of sent) expect(deliver.sessionIds.length * 18 + data.length).toBeLessThan(1024 * 1024);
  });

  it('broadcasts one all-sessions message and counts the sessions of the color', () => {
    const directory = new SessionDirectory();
    open(directory, 0, 1, 1n, 'blue');
    open(directory, 1, 2, 2n, '');
    const messages: ControlMessage[] = [];
    expect(deliverToAll(directory, (message) => messages.push(message), 'blue', { mod: 100, seq: 1, data: new Uint8Array() })).toBe(1);
    expect(messages).toHaveLength(1);
    expect(messages[0].body).toMatchObject({ $case: 'deliver', value: { allSessions: true, color: 'blue', sessionIds: [] } });
  });

  it('indexes sessions by account and forgets them when they close or their worker dies', () => {
    const directory = new SessionDirectory();
    open(directory, 0, 1, 5n);
    open(directory, 1, 2, 5n);
    directory.routed(sessionId(1), 'roma', 'roma-1');
    expect(directory.sessionsOf(5n)).toHaveLength(2);
    expect(directory.activeRoutes()).toEqual([{ service: 'roma', color: '', accountId: 5n, instanceId: 'roma-1' }]);
    directory.closed(sessionId(1));
    expect(directory.activeRoutes()).toEqual([]);
    expect(directory.dropWorker(1)).toBe(1);
    expect(directory.sessionsOf(5n)).toEqual([]);
    expect(directory.accountIds()).toEqual([]);
  });
});

describe('memory player locator', () => {
  it('lets the newest login win and ignores a close from a gate that no longer holds the player', async () => {
    const locator = new MemoryPlayerLocator();
    await locator.recordOpened('gate-a', { accountId: 1n, sessionIds: ['aa'] });
    await locator.recordOpened('gate-b', { accountId: 1n, sessionIds: ['bb'] });
    await locator.recordClosed('gate-a', { accountId: 1n, sessionIds: [] });
    expect((await locator.locate([1n, 2n])).get(1n)).toEqual({ accountId: 1n, gateId: 'gate-b', sessionIds: ['bb'] });
    await locator.recordClosed('gate-b', { accountId: 1n, sessionIds: [] });
    expect((await locator.locate([1n])).size).toBe(0);
  });
});
