import { graphql as execute, buildSchema } from 'graphql';
import { DomainError } from '../src/errors';
import { locateAnswersWithoutFrames } from '../src/located-answers';

// graphql-js wraps what a resolver throws in a GraphQLError that captures the executor's frames
// and formats them as it takes the original's stack. For an expected answer (a DomainError) it
// must capture none; a fault's wrapper keeps its frames.

const schema = buildSchema('type Query { refused: String, broken: String }');
const rootValue = {
  refused: () => {
    throw new DomainError('SOLD_OUT', 'General is sold out.');
  },
  broken: () => {
    throw new Error('a fault');
  },
};

/** The frames each GraphQLError had formatted while `source` ran. */
async function framesFormatted(source: string): Promise<{ codes: unknown[]; frames: number[] }> {
  const frames: number[] = [];
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, callSites) => {
    if (error.name === 'GraphQLError') frames.push(callSites.length);
    return `${error.name}: ${error.message}`;
  };
  try {
    const result = await execute({ schema, source, rootValue });
    return { codes: (result.errors ?? []).map((e) => e.originalError?.message), frames };
  } finally {
    Error.prepareStackTrace = previous;
  }
}

describe('locateAnswersWithoutFrames', () => {
  beforeAll(() => locateAnswersWithoutFrames());

  it('wraps a DomainError in a GraphQLError that formats no frames', async () => {
    const seen = await framesFormatted('{ refused }');
    expect(seen.codes).toEqual(['General is sold out.']);
    expect(seen.frames).toEqual([0]);
  });

  it("keeps a fault's wrapper with its frames, and the stack limit as it was", async () => {
    const limit = Error.stackTraceLimit;
    const seen = await framesFormatted('{ broken }');
    expect(seen.codes).toEqual(['a fault']);
    expect(seen.frames).toHaveLength(1);
    expect(seen.frames[0]).toBeGreaterThan(0);
    expect(Error.stackTraceLimit).toBe(limit);
  });

  it('installs once: a second start does not wrap the wrapper', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the executor's binding
    const binding = require('graphql/error/locatedError.js') as { locatedError: unknown };
    const installed = binding.locatedError;
    locateAnswersWithoutFrames();
    expect(binding.locatedError).toBe(installed);
  });
});
