import { useCallback, useEffect, type ReactNode } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { describeError, type ErrorLike } from '../lib/errors';

export function useTitle(title: string | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · KO Ticket Master` : 'KO Ticket Master';
  }, [title]);
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

/**
 * A wide table that scrolls inside its card on a phone, never the page. Focusable and named, so a
 * keyboard user can scroll it too (axe's scrollable-region-focusable).
 */
export function ScrollRegion({
  label,
  className = 'table-scroll',
  children,
}: {
  label: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <div className={className} role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

/** A failure in plain words, announced to screen readers, with an optional retry. */
export function ErrorNotice({
  error,
  overrides,
  onRetry,
}: {
  error: ErrorLike | null | undefined;
  overrides?: Partial<Record<string, string>>;
  onRetry?: () => void;
}) {
  if (!error) return null;
  return (
    <div className="notice notice-error" role="alert">
      <span>{describeError(error, overrides)}</span>
      {onRetry && (
        <button type="button" className="button button-small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Notice({
  kind = 'info',
  children,
}: {
  kind?: 'info' | 'success' | 'warning';
  children: ReactNode;
}) {
  return (
    <div className={`notice notice-${kind}`} role="status">
      {children}
    </div>
  );
}

const STATUS_LABELS: Record<string, string> = {
  DRAFT: 'Draft',
  ON_SALE: 'On sale',
  CANCELLED: 'Cancelled',
  VALID: 'Valid',
  USED: 'Used',
  CONFIRMED: 'Confirmed',
  PAID: 'Paid',
  REFUNDED: 'Refunded',
};

export function StatusBadge({ status }: { status: string }) {
  const label =
    STATUS_LABELS[status] ?? status.charAt(0) + status.slice(1).toLowerCase().replace(/_/g, ' ');
  return <span className={`badge badge-${status.toLowerCase().replace(/_/g, '-')}`}>{label}</span>;
}

/** Sends the visitor to sign in, then back to where they were. */
export function useSignInRedirect(): () => void {
  const navigate = useNavigate();
  const location = useLocation();
  const here = location.pathname + location.search;
  return useCallback(() => navigate(`/signin?next=${encodeURIComponent(here)}`), [navigate, here]);
}
