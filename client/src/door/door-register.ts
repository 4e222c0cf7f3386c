// What a door device remembers, in localStorage, so scanning goes on without the network: the
// signing key, and every ticket this device let in for an event, with when and whether the
// server has it yet. Scans not yet sent are the queue; they are sent in batches when online.

export type ScanOutcome = 'VALID' | 'ALREADY_USED' | 'INVALID';

export interface DoorScan {
  ticketId: string;
  code: string;
  /** When this device let the ticket in (ISO). */
  scannedAt: string;
  /** False until the server has answered for it. */
  synced: boolean;
  /** The server's answer, once synced. */
  outcome?: ScanOutcome;
  /** The ticket's first check-in anywhere, as the server knows it (ISO). */
  firstScannedAt?: string | null;
}

const KEY_ITEM = 'ko.door.signingKey';
const scansItem = (eventId: string) => `ko.door.scans.${eventId}`;

/** Scans per request: the API takes at most 100. */
export const SYNC_BATCH = 100;

function read<T>(item: string, fallback: T): T {
  try {
    const text = window.localStorage.getItem(item);
    return text ? (JSON.parse(text) as T) : fallback;
  } catch {
    return fallback; // storage disabled or damaged: start afresh
  }
}

function write(item: string, value: unknown): void {
  try {
    window.localStorage.setItem(item, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the scan still counts on this page until it is reloaded.
  }
}

export const storedSigningKey = (): Record<string, unknown> | null => read(KEY_ITEM, null);
export const storeSigningKey = (jwk: Record<string, unknown>): void => write(KEY_ITEM, jwk);

/** One event's scans on this device, by ticket id. */
export class DoorRegister {
  private scans: Record<string, DoorScan>;

  constructor(private readonly eventId: string) {
    this.scans = read<Record<string, DoorScan>>(scansItem(eventId), {});
  }

  get(ticketId: string): DoorScan | undefined {
    return this.scans[ticketId];
  }

  /** Lets a ticket in on this device (it was not in before). */
  admit(ticketId: string, code: string, at: Date): DoorScan {
    const scan: DoorScan = { ticketId, code, scannedAt: at.toISOString(), synced: false };
    this.scans[ticketId] = scan;
    this.save();
    return scan;
  }

  /** Scans the server has not answered for yet, oldest first, at most one batch. */
  pending(): DoorScan[] {
    return Object.values(this.scans)
      .filter((s) => !s.synced)
      .sort((a, b) => a.scannedAt.localeCompare(b.scannedAt))
      .slice(0, SYNC_BATCH);
  }

  /** This device's latest check-ins, newest first. */
  recent(count: number): DoorScan[] {
    return Object.values(this.scans)
      .sort((a, b) => b.scannedAt.localeCompare(a.scannedAt))
      .slice(0, count);
  }

  pendingCount(): number {
    return Object.values(this.scans).filter((s) => !s.synced).length;
  }

  /** Records the server's answers for scans that were sent. */
  settle(
    answers: ReadonlyArray<{
      ticketId: string;
      outcome: ScanOutcome;
      firstScannedAt: string | null;
    }>,
  ): void {
    for (const answer of answers) {
      const scan = this.scans[answer.ticketId];
      if (!scan) continue;
      scan.synced = true;
      scan.outcome = answer.outcome;
      scan.firstScannedAt = answer.firstScannedAt;
    }
    this.save();
  }

  private save(): void {
    write(scansItem(this.eventId), this.scans);
  }
}
