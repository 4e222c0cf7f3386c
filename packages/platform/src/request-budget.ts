import { AsyncLocalStorage } from 'node:async_hooks';
import { EventSubscriber, type EntitySubscriberInterface } from 'typeorm';
import type { AfterQueryEvent, BeforeQueryEvent } from 'typeorm/subscriber/event/QueryEvent';
import { z } from 'zod';
import { loadConfig } from './config';
import { DomainError } from './errors';

/**
 * What one GraphQL request may make a subgraph do, whatever the router let through (a subgraph
 * can be called directly on its network, and the router's estimate is only an estimate):
 * SQL statements run, rows read, and bytes answered. Each query is bounded by its own LIMIT, so
 * the statement budget also bounds the rows held at once. Past a budget the request alone fails
 * with RESPONSE_TOO_LARGE; other requests are not affected.
 */
export const requestLimitsSchema = z.object({
  MAX_SQL_STATEMENTS_PER_REQUEST: z.coerce.number().int().min(1).default(200),
  MAX_ROWS_PER_REQUEST: z.coerce.number().int().min(1).default(20_000),
  /** Above the largest lambda answer (a 6 MB PDF) with room for a second. */
  MAX_RESPONSE_BYTES: z.coerce
    .number()
    .int()
    .min(1_024)
    .default(16 * 1024 * 1024),
});
export type RequestLimits = z.infer<typeof requestLimitsSchema>;
export const loadRequestLimits = (env?: Record<string, string | undefined>) =>
  loadConfig(requestLimitsSchema, env);

export const tooLarge = (message: string, details: Record<string, unknown> = {}) =>
  new DomainError('RESPONSE_TOO_LARGE', message, details);

/** One request's use of its budget. */
export class RequestBudget {
  statements = 0;
  rows = 0;
  /** Why the request is over its budget, once it is. */
  exceeded: DomainError | undefined;

  constructor(readonly limits: RequestLimits) {}

  /** Before a statement: refuses it once the request is over any budget. */
  beforeStatement(): void {
    this.statements += 1;
    if (!this.exceeded && this.statements > this.limits.MAX_SQL_STATEMENTS_PER_REQUEST)
      this.exceeded = tooLarge(
        `This request needs more than ${this.limits.MAX_SQL_STATEMENTS_PER_REQUEST} database statements: ask for less at once.`,
        { limit: this.limits.MAX_SQL_STATEMENTS_PER_REQUEST },
      );
    if (this.exceeded) throw this.exceeded;
  }

  /** After a statement: counts what it read. */
  afterStatement(rows: number): void {
    this.rows += rows;
    if (!this.exceeded && this.rows > this.limits.MAX_ROWS_PER_REQUEST)
      this.exceeded = tooLarge(
        `This request reads more than ${this.limits.MAX_ROWS_PER_REQUEST} rows: ask for fewer items at once.`,
        { limit: this.limits.MAX_ROWS_PER_REQUEST },
      );
  }
}

const current = new AsyncLocalStorage<RequestBudget>();

/** Runs one request's work against its own budget. */
export const withRequestBudget = <T>(budget: RequestBudget, work: () => Promise<T>): Promise<T> =>
  current.run(budget, work);

export const currentRequestBudget = (): RequestBudget | undefined => current.getStore();

/**
 * Charges every statement run on behalf of a request to that request's budget (statements run
 * by background work, such as the outbox relay, belong to no request and are not counted).
 * The refusal is thrown before the statement: TypeORM would wrap an error thrown after it.
 */
@EventSubscriber()
export class RequestBudgetSubscriber implements EntitySubscriberInterface {
  beforeQuery(event: BeforeQueryEvent<unknown>): void {
    // A rollback is never refused: it is how a refused transaction ends cleanly.
    if (/^\s*ROLLBACK/i.test(event.query)) return;
    current.getStore()?.beforeStatement();
  }

  afterQuery(event: AfterQueryEvent<unknown>): void {
    const budget = current.getStore();
    if (!budget || !event.success) return;
    const raw = event.rawResults as { rows?: unknown[] } | undefined;
    budget.afterStatement(Array.isArray(raw?.rows) ? raw.rows.length : 0);
  }
}
