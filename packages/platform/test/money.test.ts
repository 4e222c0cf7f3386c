import { GraphQLError, Kind } from 'graphql';
import { Cents, safeInteger } from '../src';

// Money on the wire (the Cents scalar) and out of PostgreSQL (bigint as a string).

describe('Cents', () => {
  it('carries amounts past Int’s 32 bits up to 2^53 - 1, as JSON numbers', () => {
    for (const n of [0, 2 ** 31, 2 ** 31 + 1, Number.MAX_SAFE_INTEGER]) {
      expect(Cents.serialize(n)).toBe(n);
      expect(Cents.parseValue(n)).toBe(n);
      expect(Cents.parseLiteral({ kind: Kind.INT, value: String(n) })).toBe(n);
    }
    // pg's bigint strings, in case a resolver passes one through.
    expect(Cents.serialize('2147483648')).toBe(2 ** 31);
  });

  it.each([
    ['a fraction', 1.5],
    ['a negative amount', -1],
    ['2^53, which a number cannot hold exactly', 2 ** 53],
    ['a string', '100'],
    ['null', null],
  ])('refuses %s as input with BAD_USER_INPUT', (_what, value) => {
    expect(() => Cents.parseValue(value)).toThrow(GraphQLError);
    try {
      Cents.parseValue(value);
    } catch (error) {
      expect((error as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
    }
  });

  it('refuses a literal that is not a safe integer', () => {
    expect(() => Cents.parseLiteral({ kind: Kind.FLOAT, value: '1.5' })).toThrow(GraphQLError);
    expect(() => Cents.parseLiteral({ kind: Kind.INT, value: '9007199254740993' })).toThrow(
      /2\^53/,
    );
  });

  it('never serializes an amount it cannot represent exactly', () => {
    expect(() => Cents.serialize(2 ** 53)).toThrow(GraphQLError);
    expect(() => Cents.serialize('9007199254740993')).toThrow(GraphQLError);
    expect(() => Cents.serialize(-5)).toThrow(GraphQLError);
  });
});

describe('safeInteger', () => {
  it('reads bigint strings exactly', () => {
    expect(safeInteger('2147483648')).toBe(2 ** 31);
    expect(safeInteger('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(safeInteger(42)).toBe(42);
  });

  it('refuses what would round or is no integer', () => {
    for (const bad of ['9007199254740993', '1e3', '12.5', '', 'abc', null, 1.5])
      expect(() => safeInteger(bad)).toThrow(RangeError);
  });
});
