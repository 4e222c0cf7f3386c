import type { EntityManager, EntityTarget, ObjectLiteral, ValueTransformer } from 'typeorm';

/**
 * Rows of a raw statement, whatever its kind. (`EntityManager.query` answers an UPDATE with
 * `[rows, count]` but a SELECT with rows; the structured result is the same for both.)
 */
export async function rows<T = Record<string, unknown>>(
  manager: EntityManager,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = await runner.query(text, params, true);
    return result.records as T[];
  } finally {
    if (runner !== manager.queryRunner) await runner.release();
  }
}

/**
 * An entity from a raw row (snake_case columns), using the entity's own column mapping and
 * the driver's conversions (column transformers included), as a repository read would.
 */
export function hydrate<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  row: Record<string, unknown>,
): T {
  const { driver } = manager.connection;
  const metadata = manager.connection.getMetadata(target);
  const entity = metadata.create() as T;
  for (const column of metadata.columns) {
    if (column.databaseName in row)
      column.setEntityValue(entity, driver.prepareHydratedValue(row[column.databaseName], column));
  }
  return entity;
}

/** True when `error` is PostgreSQL's unique violation of `constraint`. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const driverError = (error as { driverError?: { code?: string; constraint?: string } } | null)
    ?.driverError;
  return driverError?.code === '23505' && driverError.constraint === constraint;
}

/**
 * A `bigint` (or `sum(...)`) value as a JS number. pg hands 64-bit integers over as strings
 * because they can pass 2^53; money here is exact up to 2^53 (DESIGN.md), so a larger value
 * is an error, never a silently rounded amount.
 */
export function safeInteger(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || (typeof value === 'string' && !/^-?\d+$/.test(value)))
    throw new RangeError(`${String(value)} is not an integer exact in a JS number (|n| < 2^53)`);
  return n;
}

/** Column transformer for `bigint` columns read as numbers (money in cents, say). */
export const bigintColumn: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) => (value === null || value === undefined ? value : safeInteger(value)),
};
