import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import type { JWK } from 'jose';
import { graphql } from '../gql';
import { ErrorNotice, Loading, useSignInRedirect, useTitle } from '../components/common';
import { CheckInCounts } from '../components/CheckInCounts';
import { loadRuntimeConfig } from '../config';
import { CameraScanner } from '../door/CameraScanner';
import {
  DoorRegister,
  storeSigningKey,
  storedSigningKey,
  type DoorScan,
  type ScanOutcome,
} from '../door/door-register';
import { importSigningKey, verifyTicketCode } from '../door/ticket-code';
import { formatDateTime } from '../lib/format';
import { useSession } from '../session/session';

const DoorEventDocument = graphql(`
  query DoorEvent($id: ID!) {
    event(id: $id) {
      id
      title
      startsAt
      organizer {
        id
      }
    }
  }
`);

const CheckInTicketsDocument = graphql(`
  mutation CheckInTickets($scans: [ScanInput!]!) {
    checkInTickets(scans: $scans) {
      code
      outcome
      firstScannedAt
    }
  }
`);

/** What the door shows for the last code: large, coloured, unmistakable. */
type Verdict =
  | { kind: 'VALID'; pending: boolean }
  | { kind: 'ALREADY_USED'; at: string }
  | { kind: 'INVALID'; why: string }
  | { kind: 'CHECKING' };

/** The same code read again by the camera within this time is the same scan. */
const SAME_SCAN_MS = 3_000;
/** Pending check-ins are retried this often while the network is away. */
const RETRY_MS = 10_000;

const verdictOf = (scan: DoorScan, again: boolean): Verdict => {
  if (scan.outcome === 'INVALID')
    return { kind: 'INVALID', why: 'Not a ticket for this event (cancelled or unknown).' };
  if (again || scan.outcome === 'ALREADY_USED')
    return { kind: 'ALREADY_USED', at: scan.firstScannedAt ?? scan.scannedAt };
  return { kind: 'VALID', pending: !scan.synced };
};

/** Fetches the signing key from the router's origin, else the copy kept on this device. */
async function signingKey(): Promise<CryptoKey | null> {
  try {
    const { graphqlUrl } = await loadRuntimeConfig();
    const response = await fetch(new URL('/.well-known/ticket-signing-key', graphqlUrl));
    if (response.ok) {
      const jwk = (await response.json()) as Record<string, unknown>;
      const key = await importSigningKey(jwk as JWK);
      storeSigningKey(jwk);
      return key;
    }
  } catch {
    // Offline (or the router is away): the kept copy below.
  }
  const kept = storedSigningKey();
  return kept ? importSigningKey(kept as JWK).catch(() => null) : null;
}

/**
 * The organizer's check-in page: codes from the camera or typed in, verified on the device with
 * the published key, so the door keeps working without the network. Check-ins made offline wait
 * on the device (shown as pending) and are sent when the network returns.
 */
export function DoorPage() {
  const { eventId = '' } = useParams();
  const { viewer } = useSession();
  const askToSignIn = useSignInRedirect();
  const [{ data, error, fetching }] = useQuery({
    query: DoorEventDocument,
    variables: { id: eventId },
    pause: !viewer,
  });
  const event = data?.event;
  useTitle(event ? `Door · ${event.title}` : 'Door');
  const [, sendScans] = useMutation(CheckInTicketsDocument);
  const register = useMemo(() => new DoorRegister(eventId), [eventId]);
  const [key, setKey] = useState<CryptoKey | null | undefined>(undefined);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [pending, setPending] = useState(() => register.pendingCount());
  const [online, setOnline] = useState(() => navigator.onLine);
  const [synced, setSynced] = useState(0);
  const [typed, setTyped] = useState('');
  const syncing = useRef<Promise<void> | null>(null);
  const lastRead = useRef<{ code: string; at: number } | null>(null);

  useEffect(() => {
    if (viewer === null) askToSignIn();
  }, [viewer, askToSignIn]);
  useEffect(() => {
    void signingKey().then(setKey);
  }, []);

  /** Sends pending check-ins, a batch at a time, until none is left or the network fails. */
  const sync = useCallback((): Promise<void> => {
    if (syncing.current) return syncing.current;
    const run = async () => {
      for (let batch = register.pending(); batch.length; batch = register.pending()) {
        const result = await sendScans(
          { scans: batch.map((s) => ({ code: s.code, scannedAt: s.scannedAt })) },
          { requestPolicy: 'network-only' },
        );
        const answers = result.data?.checkInTickets;
        if (!answers) break; // offline or refused: they stay pending and are tried again
        register.settle(batch.map((s, i) => ({ ticketId: s.ticketId, ...answers[i]! })));
        setPending(register.pendingCount());
        setSynced((n) => n + 1);
      }
    };
    syncing.current = run().finally(() => {
      syncing.current = null;
    });
    return syncing.current;
  }, [register, sendScans]);

  useEffect(() => {
    const up = () => {
      setOnline(true);
      void sync();
    };
    const down = () => setOnline(false);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    const timer = window.setInterval(() => {
      if (navigator.onLine && register.pendingCount()) void sync();
    }, RETRY_MS);
    void sync();
    return () => {
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
      window.clearInterval(timer);
    };
  }, [register, sync]);

  const check = useCallback(
    async (raw: string) => {
      const code = raw.trim();
      if (!code) return;
      if (!key) {
        setVerdict({ kind: 'INVALID', why: 'The signing key is not loaded: connect once.' });
        return;
      }
      const claim = await verifyTicketCode(code, key);
      if (!claim) return setVerdict({ kind: 'INVALID', why: 'Forged or damaged code.' });
      if (claim.eventId !== eventId)
        return setVerdict({ kind: 'INVALID', why: 'This ticket is for another event.' });
      const known = register.get(claim.ticketId);
      if (known) return setVerdict(verdictOf(known, true));
      register.admit(claim.ticketId, code, new Date());
      setPending(register.pendingCount());
      if (navigator.onLine) {
        // Online, the server's word comes first: the ticket may have been used at another door.
        setVerdict({ kind: 'CHECKING' });
        await sync();
      }
      setVerdict(verdictOf(register.get(claim.ticketId)!, false));
    },
    [eventId, key, register, sync],
  );

  const onCameraCode = useCallback(
    (code: string) => {
      const now = Date.now();
      const last = lastRead.current;
      if (last && last.code === code && now - last.at < SAME_SCAN_MS) return;
      lastRead.current = { code, at: now };
      void check(code);
    },
    [check],
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void check(typed);
    setTyped('');
  };

  if (!viewer || (!event && fetching)) return <Loading label="Opening the door…" />;
  if (!event || event.organizer?.id !== viewer.id)
    return (
      <section className="empty-state">
        <h1>Door</h1>
        <p>Only the organizer of an event can check its tickets in.</p>
        <ErrorNotice error={error} />
        <Link className="button" to="/dashboard">
          Dashboard
        </Link>
      </section>
    );

  return (
    <section className="door">
      <header className="door-header">
        <h1>Door · {event.title}</h1>
        <p className="muted">
          {online ? 'Online' : 'Offline: check-ins are kept on this device'}
          {' · '}
          <span data-testid="pending">{pending}</span> waiting to sync
        </p>
        <Link to={`/dashboard/events/${event.id}`}>Back to the dashboard</Link>
      </header>
      {key === null && (
        <p className="notice notice-error" role="alert">
          The ticket-signing key could not be loaded: connect to the network once to fetch it.
        </p>
      )}
      <VerdictPanel verdict={verdict} />
      <form className="door-form" onSubmit={submit}>
        <label htmlFor="door-code">Ticket code</label>
        <input
          id="door-code"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          autoComplete="off"
          spellCheck={false}
        />
        <button type="submit" className="button" disabled={key === undefined}>
          Check in
        </button>
      </form>
      <CameraScanner onCode={onCameraCode} />
      <RecentScans scans={register.recent(8)} />
      <CheckInCounts eventId={event.id} refresh={synced} />
    </section>
  );
}

function VerdictPanel({ verdict }: { verdict: Verdict | null }) {
  if (!verdict) return <div className="door-verdict door-verdict-idle">Ready to scan</div>;
  const [title, detail, tone] =
    verdict.kind === 'VALID'
      ? [
          'VALID',
          verdict.pending ? 'Pending: kept on this device until it syncs.' : 'Checked in.',
          'valid',
        ]
      : verdict.kind === 'ALREADY_USED'
        ? ['ALREADY USED', `Checked in ${formatDateTime(verdict.at)}.`, 'used']
        : verdict.kind === 'INVALID'
          ? ['INVALID', verdict.why, 'invalid']
          : ['…', 'Checking…', 'idle'];
  return (
    <div
      className={`door-verdict door-verdict-${tone}`}
      role="status"
      aria-live="assertive"
      data-testid="door-verdict"
    >
      <strong>{title}</strong>
      <span>{detail}</span>
    </div>
  );
}

const SYNCED_LABELS: Record<ScanOutcome, string> = {
  VALID: 'Synced',
  ALREADY_USED: 'Used before (another door)',
  INVALID: 'Refused by the server',
};

/** This device's latest check-ins, each marked pending until the server has it. */
function RecentScans({ scans }: { scans: DoorScan[] }) {
  if (!scans.length) return null;
  return (
    <section aria-labelledby="recent-heading">
      <h2 id="recent-heading">Checked in at this door</h2>
      <ul className="door-recent">
        {scans.map((scan) => (
          <li key={scan.ticketId}>
            <time dateTime={scan.scannedAt}>{formatDateTime(scan.scannedAt)}</time>{' '}
            <code>…{scan.code.slice(-8)}</code>{' '}
            {scan.synced ? (
              <span className="badge">{SYNCED_LABELS[scan.outcome ?? 'VALID']}</span>
            ) : (
              <span className="badge badge-pending">Pending</span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
