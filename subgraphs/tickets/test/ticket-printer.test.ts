import pino from 'pino';
import { DomainError, LambdaFunctionError, LambdaTimeoutError, type Viewer } from '@ko/platform';
import type { Order } from '../src/entities/order';
import type { Ticket } from '../src/entities/ticket';
import type { TicketTier } from '../src/entities/ticket-tier';
import type { EventDetails } from '../src/events-client';
import { callLambda } from '../src/lambda-calls';
import { TicketPrinter, type PrintSources } from '../src/ticket-printer';

// The printer's and the lambda error mapping's rules on their own, with a scripted invoker.

const logger = pino({ level: 'silent' });
const buyer: Viewer = { id: '11111111-1111-4111-8111-111111111111', role: 'FAN', name: 'Ana Fan' };
const stranger: Viewer = { id: '22222222-2222-4222-8222-222222222222', role: 'FAN', name: 'Eve' };
const EVENT_ID = '33333333-3333-4333-8333-333333333333';

const order = (overrides: Partial<Order> = {}): Order =>
  ({
    id: '44444444-4444-4444-8444-444444444444',
    userId: buyer.id,
    eventId: EVENT_ID,
    tierId: '55555555-5555-4555-8555-555555555555',
    quantity: 2,
    totalCents: 9_000,
    status: 'CONFIRMED',
    ...overrides,
  }) as Order;

const event: EventDetails = {
  id: EVENT_ID,
  title: 'Night at the Arena',
  venue: 'The Arena',
  city: 'Lisbon',
  startsAt: '2031-06-01T20:00:00.000Z',
  timeZone: 'America/New_York',
  currency: 'USD',
  address: null,
  status: 'ON_SALE',
  organizerId: '66666666-6666-4666-8666-666666666666',
};

function sources(): PrintSources & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    tickets: async (id) => {
      reads.push(`tickets:${id}`);
      return [{ code: 'CODE-1' }, { code: 'CODE-2' }] as Ticket[];
    },
    tier: async (id) => {
      reads.push(`tier:${id}`);
      return { id, name: 'Floor', priceCents: 4_500 } as TicketTier;
    },
    event: async (id) => {
      reads.push(`event:${id}`);
      return event;
    },
  };
}

function invoker(answer: (name: string, payload: unknown) => Promise<unknown>) {
  const calls: Array<{ name: string; payload: unknown }> = [];
  return {
    calls,
    invoke: async <TIn, TOut>(name: string, payload: TIn): Promise<TOut> => {
      calls.push({ name, payload });
      return (await answer(name, payload)) as TOut;
    },
  };
}

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected a rejection');
}

describe('TicketPrinter', () => {
  it('prints the buyer’s order from its tickets, tier, event (its zone and currency) and the buyer’s own name', async () => {
    const lambda = invoker(async () => ({ pdfBase64: 'JVBERi0=', pages: 2 }));
    const pdf = await new TicketPrinter(lambda, logger).orderPdf(buyer, order(), sources());
    expect(pdf).toBe('JVBERi0=');
    expect(lambda.calls).toEqual([
      {
        name: 'render-tickets',
        payload: {
          orderId: 'KO-444444444444',
          currency: 'USD',
          timeZone: 'America/New_York',
          tickets: ['CODE-1', 'CODE-2'].map((code) => ({
            code,
            eventTitle: 'Night at the Arena',
            venue: 'The Arena',
            city: 'Lisbon',
            startsAt: '2031-06-01T20:00:00.000Z',
            tierName: 'Floor',
            priceCents: 4_500,
            holderName: 'Ana Fan',
          })),
        },
      },
    ]);
  });

  it('refuses anyone but the buyer before reading or rendering anything', async () => {
    const lambda = invoker(async () => ({ pdfBase64: 'x', pages: 1 }));
    const printer = new TicketPrinter(lambda, logger);
    const read = sources();
    expect((await rejection(printer.orderPdf(stranger, order(), read))).code).toBe('FORBIDDEN');
    expect((await rejection(printer.orderPdf(null, order(), read))).code).toBe('UNAUTHENTICATED');
    const cancelled = await rejection(
      printer.orderPdf(buyer, order({ status: 'CANCELLED' }), read),
    );
    expect(cancelled.code).toBe('CONFLICT');
    expect(read.reads).toEqual([]);
    expect(lambda.calls).toEqual([]);
  });
});

describe('callLambda', () => {
  const call = (error: Error, clientInput = false) =>
    rejection(
      callLambda(
        invoker(async () => {
          throw error;
        }),
        logger,
        { name: 'sales-report', payload: {}, action: 'build the sales report', clientInput },
      ),
    );

  it('turns a handler error into SERVICE_UNAVAILABLE naming its type, without its message', async () => {
    const error = await call(
      new LambdaFunctionError('sales-report', 'TypeError', 'x is undefined at line 3'),
    );
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(error.message).toBe(
      'We could not build the sales report right now; try again in a moment.',
    );
    expect(error.details).toEqual({ functionError: 'TypeError' });
  });

  it("passes the handler's InvalidInputError on as BAD_USER_INPUT only when the input is the client's", async () => {
    const invalid = new LambdaFunctionError(
      'sales-report',
      'InvalidInputError',
      'Invalid sales-report input: sales span 12000 hours, more than the 10000 buckets a report holds; ask for bucket DAY',
    );
    const theirs = await call(invalid, true);
    expect(theirs.code).toBe('BAD_USER_INPUT');
    expect(theirs.message).toBe(
      'We could not build the sales report: sales span 12000 hours, more than the 10000 buckets a report holds; ask for bucket DAY.',
    );
    expect((await call(invalid, false)).code).toBe('SERVICE_UNAVAILABLE');
  });

  it('turns a timeout and an unreachable Lambda into SERVICE_UNAVAILABLE', async () => {
    const late = await call(new LambdaTimeoutError('sales-report', 1_500));
    expect(late.code).toBe('SERVICE_UNAVAILABLE');
    expect(late.details).toEqual({ timeoutMs: 1_500 });
    const down = await call(
      Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' }),
    );
    expect(down.code).toBe('SERVICE_UNAVAILABLE');
    expect(down.message).not.toMatch(/ECONNREFUSED/);
  });
});
