import type { RenderTicketsInput, RenderTicketsOutput } from '@ko/lambda-render-tickets';
import {
  Facts,
  isFact,
  parseFact,
  type FactDefinition,
  type ParsedFact,
  type OrderPlacedFact,
} from '@ko/platform/facts';
import { createLambdaInvoker, lambdaInvokerConfigFromEnv } from '@ko/platform/lambda';
import { Delivery, type DeliveryCounts } from './delivery';
import { lookUpEvent, type EventInfo } from './events-lookup';
import {
  decodeValue,
  recordsOf,
  type SelfManagedKafkaEvent,
  type SendMailResult,
} from './kafka-event';
import {
  cancellation,
  groupByAddress,
  passwordReset,
  receipt,
  rescheduled,
  welcome,
  type Attachment,
  type Mail,
  type Site,
} from './messages';
import { MailStore } from './store';

export type { SelfManagedKafkaEvent, SendMailResult, KafkaRecord } from './kafka-event';

/** The facts this function reads; anything else on its topics is passed over. */
const KNOWN: FactDefinition[] = [
  Facts.userRegistered,
  Facts.emailVerificationRequested,
  Facts.passwordResetRequested,
  Facts.orderPlaced,
  Facts.orderCancelled,
  Facts.eventCancelled,
  Facts.eventRescheduled,
];

/** The render-tickets lambda's limit per invocation. */
const MAX_TICKETS_PER_PDF = 50;

interface Sandbox {
  site: Site;
  store: MailStore;
  delivery: Delivery;
  serviceList: string;
  invoke: <I, O>(name: string, payload: I) => Promise<O>;
}

let sandbox: Sandbox | undefined;

/** Made once per sandbox (as Lambda keeps module state between invocations of one instance). */
function setUp(env: NodeJS.ProcessEnv = process.env): Sandbox {
  if (sandbox) return sandbox;
  if (!env.MAIL_DATABASE_URL) throw new Error('MAIL_DATABASE_URL is not set');
  const store = new MailStore(env.MAIL_DATABASE_URL);
  const site = {
    name: env.SITE_NAME || 'KO Ticket Master',
    url: env.SITE_URL || 'http://localhost:5173',
  };
  const invoker = createLambdaInvoker(lambdaInvokerConfigFromEnv(env));
  sandbox = {
    site,
    store,
    delivery: new Delivery(
      env.SMTP_URL || 'smtp://127.0.0.1:1025',
      env.MAIL_FROM || `${site.name} <no-reply@ko-ticket-master.invalid>`,
      store,
    ),
    serviceList: env.SERVICE_LIST || 'supergraph.yaml',
    invoke: (name, payload) => invoker.invoke(name, payload),
  };
  return sandbox;
}

/**
 * Invoked by the event source mapping with a batch of Kafka records (the shape AWS uses for a
 * self-managed Kafka source). Each fact leads to one message per recipient, recorded in the
 * `mail` database; a fact seen again sends nothing new. Throws (so the batch is retried) when
 * the mail server or a service it asks cannot be reached.
 */
export async function handler(event: SelfManagedKafkaEvent): Promise<SendMailResult> {
  const box = setUp();
  const counts: DeliveryCounts = { sent: 0, skipped: 0, failed: 0 };
  const records = recordsOf(event);
  for (const record of records) {
    const parsed = parseFact(KNOWN, record.topic, decodeValue(record));
    if (!parsed.ok) continue; // Other facts of these topics (or malformed ones): not for mail.
    const { fact } = parsed;
    const factId = fact.envelope.id;
    for (const mail of await mailsFor(box, fact)) await box.delivery.deliver(factId, mail, counts);
  }
  return { records: records.length, ...counts };
}

async function mailsFor(box: Sandbox, fact: ParsedFact): Promise<Mail[]> {
  const { site, store } = box;
  if (isFact(fact, Facts.userRegistered)) return [welcome(site, fact.envelope.data, false)];
  if (isFact(fact, Facts.emailVerificationRequested))
    return [welcome(site, fact.envelope.data, true)];
  if (isFact(fact, Facts.passwordResetRequested)) return [passwordReset(site, fact.envelope.data)];
  if (isFact(fact, Facts.orderPlaced)) {
    const order = fact.envelope.data;
    await store.recordOrder(order);
    if (!order.buyerEmail) return [];
    const event = await lookUpEvent(box.serviceList, order.eventId);
    if (!event) return [unsendable(order.buyerEmail, 'receipt', `event ${order.eventId} unknown`)];
    const attachments = async (): Promise<Attachment[]> => [
      ...(order.tickets.length <= MAX_TICKETS_PER_PDF
        ? [
            {
              filename: `tickets-${order.number}.pdf`,
              contentType: 'application/pdf',
              content: Buffer.from(await ticketsPdf(box, order, event), 'base64'),
            },
          ]
        : []),
      {
        filename: 'event.ics',
        contentType: 'text/calendar; charset=utf-8',
        content: event.icalendar,
      },
    ];
    return [receipt(site, { ...order, buyerEmail: order.buyerEmail }, event, attachments)];
  }
  if (isFact(fact, Facts.orderCancelled)) {
    await store.markOrderCancelled(fact.envelope.data.orderId);
    return []; // The event's cancellation tells each holder, once.
  }
  if (isFact(fact, Facts.eventCancelled)) {
    const holders = await store.holders(fact.envelope.data.eventId, true);
    if (holders.length === 0) return [];
    const event = await lookUpEvent(box.serviceList, fact.envelope.data.eventId);
    if (!event) return [];
    return [...groupByAddress(holders)].map(([email, orders]) =>
      cancellation(site, event, email, orders),
    );
  }
  if (isFact(fact, Facts.eventRescheduled)) {
    const holders = await store.holders(fact.envelope.data.eventId, false);
    return [...groupByAddress(holders)].map(([email, orders]) =>
      rescheduled(site, fact.envelope.data, email, orders),
    );
  }
  return [];
}

/** A message that cannot be written: delivery records it as failed, for operators. */
function unsendable(to: string, kind: string, reason: string): Mail {
  return { kind, to, subject: '', text: '', html: '', unsendable: reason };
}

async function ticketsPdf(box: Sandbox, order: OrderPlacedFact, event: EventInfo): Promise<string> {
  const input: RenderTicketsInput = {
    orderId: order.number,
    currency: event.currency,
    timeZone: event.timeZone,
    tickets: order.tickets.map((ticket) => ({
      code: ticket.code,
      eventTitle: event.title,
      venue: event.venue,
      city: event.city,
      startsAt: event.startsAt,
      tierName: order.tierName,
      priceCents: Math.round(order.totalCents / order.quantity),
      holderName: order.buyerName?.trim() || 'Ticket holder',
    })),
  };
  const output = await box.invoke<RenderTicketsInput, RenderTicketsOutput>('render-tickets', input);
  return output.pdfBase64;
}
