import { GraphQLError } from 'graphql';
import { DomainError, conflict } from '../src/errors';

// A DomainError is an expected answer (SOLD_OUT, CONFLICT...), thrown thousands of times a second
// in an on-sale: it carries its code and message but no stack, and leaves other errors' alone.

describe('DomainError', () => {
  it('keeps its code, message and details, and no stack frames', () => {
    const error = conflict('This tier is sold out.', { tierId: 't1' });
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'CONFLICT', details: { tierId: 't1' } });
    expect(error.message).toBe('This tier is sold out.');
    expect(error.stack).toBe('DomainError: This tier is sold out.');
  });

  it('gives GraphQL errors that wrap it the same frameless stack', () => {
    const wrapped = new GraphQLError('x', { originalError: new DomainError('SOLD_OUT', 'x') });
    expect(wrapped.stack).toBe('DomainError: x');
  });

  it('leaves the stack limit as it was, so other errors keep their frames', () => {
    const before = Error.stackTraceLimit;
    new DomainError('NOT_FOUND', 'gone');
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('a fault').stack).toMatch(/\n\s+at /);
  });
});
