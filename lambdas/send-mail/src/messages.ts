import type { EventPlaceAndTime, EventRescheduledFact, OrderPlacedFact } from '@ko/platform/facts';
import type { EventInfo } from './events-lookup';
import { bodies, localTime, money } from './format';
import type { Holder } from './store';

/** The platform as a message names it and links back to it. */
export interface Site {
  name: string;
  url: string;
}

export interface Attachment {
  filename: string;
  contentType: string;
  content: Buffer | string;
}

/** One message to one recipient; attachments are made only once it is certain to be sent. */
export interface Mail {
  kind: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments?: () => Promise<Attachment[]>;
  /** Why this message cannot be sent (recorded as failed instead). */
  unsendable?: string;
}

const link = (site: Site, path: string, token?: string) =>
  `${site.url.replace(/\/$/, '')}${path}${token ? `?token=${encodeURIComponent(token)}` : ''}`;

export function welcome(
  site: Site,
  account: { email: string; name: string; verificationToken: string },
  again: boolean,
): Mail {
  const action = {
    label: 'Verify your email address',
    url: link(site, '/verify-email', account.verificationToken),
  };
  const paragraphs = again
    ? ['Here is a new link to verify your email address. It works once, for 7 days.']
    : [
        `Welcome to ${site.name}! Your account is ready.`,
        'Please verify your email address with the link below. It works once, for 7 days.',
      ];
  return {
    kind: again ? 'verification' : 'welcome',
    to: account.email,
    subject: again ? `Verify your email address for ${site.name}` : `Welcome to ${site.name}`,
    ...bodies(site, `Hello ${account.name},`, paragraphs, action),
  };
}

export function passwordReset(
  site: Site,
  account: { email: string; name: string; resetToken: string },
): Mail {
  return {
    kind: 'password-reset',
    to: account.email,
    subject: `Reset your ${site.name} password`,
    ...bodies(
      site,
      `Hello ${account.name},`,
      [
        'Someone (we hope you) asked to reset the password of your account.',
        'The link below works once, for 30 minutes. Setting a new password signs out every other session.',
        'If you did not ask for this, ignore this message: your password stays as it is.',
      ],
      { label: 'Choose a new password', url: link(site, '/reset-password', account.resetToken) },
    ),
  };
}

const place = (p: { venue: string; address: string | null; city: string }) =>
  [p.venue, p.address, p.city].filter(Boolean).join(', ');

export function receipt(
  site: Site,
  order: OrderPlacedFact & { buyerEmail: string },
  event: EventInfo,
  attachments: () => Promise<Attachment[]>,
): Mail {
  const lines = [
    `Event: ${event.title}`,
    `When: ${localTime(event.startsAt, event.timeZone)}`,
    `Where: ${place(event)}`,
    `Tier: ${order.tierName}`,
    `Quantity: ${order.quantity}`,
    `Total: ${money(order.totalCents, event.currency)}`,
    `Order number: ${order.number}`,
  ].join('\n');
  return {
    kind: 'receipt',
    to: order.buyerEmail,
    subject: `Your tickets for ${event.title} (order ${order.number})`,
    attachments,
    ...bodies(
      site,
      `Hello ${order.buyerName ?? 'there'},`,
      [
        'Thank you for your order. Your tickets are attached (one page with a QR code each), with the event for your calendar.',
        lines,
      ],
      { label: 'Your order', url: link(site, `/orders/${order.orderId}`) },
    ),
  };
}

/** One message per holder address, listing that holder's orders. */
export function groupByAddress(holders: Holder[]): Map<string, Holder[]> {
  const byAddress = new Map<string, Holder[]>();
  for (const holder of holders) {
    const key = holder.email.trim().toLowerCase();
    byAddress.set(key, [...(byAddress.get(key) ?? []), holder]);
  }
  return byAddress;
}

export function cancellation(site: Site, event: EventInfo, email: string, orders: Holder[]): Mail {
  const list = orders
    .map(
      (o) =>
        `Order ${o.orderNumber}: ${o.quantity} × ${o.tierName}, ${money(o.totalCents, event.currency)} refunded in full`,
    )
    .join('\n');
  return {
    kind: 'event-cancelled',
    to: email,
    subject: `Cancelled: ${event.title}`,
    ...bodies(
      site,
      `Hello ${orders[0]?.name ?? 'there'},`,
      [
        `We are sorry: ${event.title}, planned for ${localTime(event.startsAt, event.timeZone)} at ${place(event)}, has been cancelled by its organizer.`,
        `Your order is cancelled and its tickets are no longer valid. What you paid is refunded to your original payment method:\n${list}`,
      ],
      { label: 'Your tickets', url: link(site, '/profile') },
    ),
  };
}

const describe = (p: EventPlaceAndTime) => `${localTime(p.startsAt, p.timeZone)} at ${place(p)}`;

export function rescheduled(
  site: Site,
  fact: EventRescheduledFact,
  email: string,
  orders: Holder[],
): Mail {
  return {
    kind: 'event-rescheduled',
    to: email,
    subject: `Changed: ${fact.title} has a new ${fact.before.startsAt !== fact.after.startsAt ? 'date' : 'venue'}`,
    ...bodies(
      site,
      `Hello ${orders[0]?.name ?? 'there'},`,
      [
        `The organizer of ${fact.title} changed when or where it happens.`,
        `Before: ${describe(fact.before)}\nNow: ${describe(fact.after)}`,
        `Your tickets (order ${orders.map((o) => o.orderNumber).join(', ')}) stay valid for the new date and place.`,
      ],
      { label: 'See the event', url: link(site, `/events/${fact.eventId}`) },
    ),
  };
}
