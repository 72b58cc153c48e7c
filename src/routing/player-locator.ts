// Which gate holds a player's connection: written by each gate's control
// plane, read by whoever must reach the player (Roma, Senate, push). The
// newest login wins the record; a gate removes or trims a record only while
// it still names that gate, so a late close on an old gate cannot erase a
// newer login elsewhere. Implementations: memory (one process) and Redis.

export interface PlayerPresence {
  accountId: bigint;
  /** This gate's open session ids of the account, hex. */
  sessionIds: string[];
}

export interface PlayerLocation {
  accountId: bigint;
  gateId: string;
  sessionIds: string[];
}

export interface PlayerLocator {
  /** The account opened a session on `gateId`: overwrite whatever gate the record named. */
  recordOpened(gateId: string, presence: PlayerPresence): Promise<void>;
  /** One of the account's sessions on `gateId` ended; `presence.sessionIds` are the ones left (none: remove the record). */
  recordClosed(gateId: string, presence: PlayerPresence): Promise<void>;
  /** Keeps the records of players still on `gateId` alive (restoring lost ones, never taking another gate's). */
  refresh(gateId: string, present: PlayerPresence[]): Promise<void>;
  /** The location of each account that has a record; accounts without one are absent from the map. */
  locate(accountIds: readonly bigint[]): Promise<Map<bigint, PlayerLocation>>;
  close(): Promise<void>;
}

/** Records in this process only: for a single gate, and for tests. */
export class MemoryPlayerLocator implements PlayerLocator {
  private readonly records = new Map<bigint, { gateId: string; sessionIds: string[] }>();

  async recordOpened(gateId: string, presence: PlayerPresence): Promise<void> {
    this.records.set(presence.accountId, { gateId, sessionIds: [...presence.sessionIds] });
  }

  async recordClosed(gateId: string, presence: PlayerPresence): Promise<void> {
    if (this.records.get(presence.accountId)?.gateId !== gateId) return;
    if (presence.sessionIds.length === 0) this.records.delete(presence.accountId);
    else this.records.set(presence.accountId, { gateId, sessionIds: [...presence.sessionIds] });
  }

  async refresh(gateId: string, present: PlayerPresence[]): Promise<void> {
    for (const presence of present) {
      const current = this.records.get(presence.accountId);
      if (!current || current.gateId === gateId) this.records.set(presence.accountId, { gateId, sessionIds: [...presence.sessionIds] });
    }
  }

  async locate(accountIds: readonly bigint[]): Promise<Map<bigint, PlayerLocation>> {
    const found = new Map<bigint, PlayerLocation>();
    for (const accountId of accountIds) {
      const record = this.records.get(accountId);
      if (record) found.set(accountId, { accountId, gateId: record.gateId, sessionIds: [...record.sessionIds] });
    }
    return found;
  }

  async close(): Promise<void> {
    this.records.clear();
  }
}
