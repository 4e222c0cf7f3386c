/** Local times and money as a fan reads them: the venue's clock, the event's currency. */

export function localTime(iso: string, timeZone: string): string {
  const text = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(new Date(iso));
  return `${text} (${timeZone})`;
}

/** Integer minor units in `currency`, with that currency's own number of decimals. */
export function money(cents: number, currency: string): string {
  const format = new Intl.NumberFormat('en-GB', { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(cents / 10 ** digits);
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** A message's two bodies from one list of paragraphs (and an optional call to action). */
export function bodies(
  site: { name: string; url: string },
  greeting: string,
  paragraphs: string[],
  action?: { label: string; url: string },
): { text: string; html: string } {
  const footer = `${site.name} · ${site.url}`;
  const text = [
    greeting,
    '',
    ...paragraphs.flatMap((p) => [p, '']),
    ...(action ? [`${action.label}: ${action.url}`, ''] : []),
    '—',
    footer,
    '',
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif; line-height: 1.5">',
    `<p>${escapeHtml(greeting)}</p>`,
    ...paragraphs.map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`),
    ...(action
      ? [`<p><a href="${escapeHtml(action.url)}">${escapeHtml(action.label)}</a></p>`]
      : []),
    `<hr><p style="color: #666"><a href="${escapeHtml(site.url)}">${escapeHtml(site.name)}</a></p>`,
    '</body></html>',
  ].join('\n');
  return { text, html };
}
