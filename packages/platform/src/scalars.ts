import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The instants both JavaScript and PostgreSQL hold and write the same way: years 1 to 9999, UTC. */
const EARLIEST = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * True for a valid date inside years 1 to 9999 (UTC). Outside, PostgreSQL refuses it (year 0,
 * ±275760) or ISO strings change shape (`+010000-…`): an internal error instead of a typed one.
 */
export function isStorableDate(date: Date): boolean {
  const time = date.getTime();
  return !Number.isNaN(time) && time >= EARLIEST && time <= LATEST;
}

function parseDateTime(value: unknown): Date {
  if (typeof value !== 'string' || !ISO_UTC.test(value) || !isStorableDate(new Date(value))) {
    throw new GraphQLError('DateTime must be an ISO-8601 string such as 2027-05-01T19:30:00Z', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return new Date(value);
}

/** ISO-8601 UTC timestamps in and out (DESIGN.md: times are `DateTime`). */
export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An ISO-8601 timestamp, always serialized in UTC',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError('Invalid DateTime value');
    return date.toISOString();
  },
  parseValue: parseDateTime,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) {
      throw new GraphQLError('DateTime must be a string', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return parseDateTime(ast.value);
  },
});

function parseCents(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new GraphQLError(
      'Cents must be a whole number of cents from 0 to 9007199254740991 (2^53 - 1)',
      { extensions: { code: 'BAD_USER_INPUT' } },
    );
  }
  return value;
}

/**
 * Money: integer cents, exact up to 2^53 (DESIGN.md). On the wire a JSON number like `Int`,
 * so clients read it unchanged, but not limited to Int's 32 bits (€21,474,836.47): an event's
 * takings can pass that. Anything not a safe integer ≥ 0 is refused, in and out.
 */
export const Cents = new GraphQLScalarType<number, number>({
  name: 'Cents',
  description: 'An amount of money in integer cents (0 to 2^53 - 1), sent as a JSON number',
  serialize(value) {
    const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
      throw new GraphQLError(`Cents cannot represent ${String(value)}`);
    return n;
  },
  parseValue: parseCents,
  parseLiteral(ast) {
    if (ast.kind !== Kind.INT) {
      throw new GraphQLError('Cents must be an integer literal', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return parseCents(Number(ast.value));
  },
});
