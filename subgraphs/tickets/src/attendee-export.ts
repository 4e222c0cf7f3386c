import { stringify } from 'csv-stringify/sync';
import type { Attendee } from './guest-list';

/** What an export row shows beside the attendee: the tier's name and the order's number. */
export interface ExportNames {
  tierName: (tierId: string) => string;
  orderNumber: (orderId: string) => string;
}

const COLUMNS = ['Name', 'E-mail', 'Tier', 'Order', 'Ticket', 'Code', 'Status', 'Checked in at'];

/**
 * The attendee list as CSV (RFC 4180, UTF-8, CRLF), for a spreadsheet. csv-stringify quotes
 * commas, quotes and line breaks; `escape_formulas` prefixes a cell starting with = + - @, a tab
 * or a carriage return with `'`, so a buyer named "=cmd|…" is shown, never run.
 */
export function attendeesCsv(attendees: readonly Attendee[], names: ExportNames): string {
  return stringify(
    attendees.map((a) => [
      a.name,
      a.email,
      names.tierName(a.ticket.tierId),
      names.orderNumber(a.orderId),
      a.ticket.id,
      a.ticket.code,
      a.ticket.status,
      a.checkedInAt?.toISOString() ?? '',
    ]),
    { header: true, columns: COLUMNS, record_delimiter: 'windows', escape_formulas: true },
  );
}
