import { GraphQLError, buildSchema, specifiedRules, type ValidationRule } from 'graphql';
import { SubscriptionDocuments } from '../src/documents';

const schema = buildSchema(`
  type Query { ping: Boolean }
  type Message { id: ID! body: String! }
  type Subscription { posted(room: String!): Message! }
`);
/** A rule with its own code, like the service's field limit. */
const noBody: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === 'body')
      context.reportError(
        new GraphQLError('No bodies here.', {
          nodes: node,
          extensions: { code: 'BAD_USER_INPUT' },
        }),
      );
  },
});

describe('SubscriptionDocuments', () => {
  const documents = new SubscriptionDocuments(schema, [...specifiedRules, noBody]);
  const codes = (result: ReturnType<typeof documents.get>) =>
    Array.isArray(result) ? result.map((e) => e.extensions.code) : 'a document';

  it('parses and validates a text once: the same text gets the same document', () => {
    const text = 'subscription { posted(room: "a") { id } }';
    const first = documents.get(text);
    expect(Array.isArray(first)).toBe(false);
    expect(documents.get(text)).toBe(first);
    expect(documents.get(`${text} `)).not.toBe(first);
  });

  it('refuses with GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, or the rule’s own code', () => {
    expect(codes(documents.get('subscription { posted(room: '))).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(codes(documents.get('subscription { posted(room: "a") { mood } }'))).toEqual([
      'GRAPHQL_VALIDATION_FAILED',
    ]);
    expect(codes(documents.get('subscription { posted(room: "a") { body } }'))).toEqual([
      'BAD_USER_INPUT',
    ]);
  });

  it('keeps no refused text: asking again validates again', () => {
    const text = 'subscription { posted(room: "a") { mood } }';
    expect(documents.get(text)).not.toBe(documents.get(text));
  });
});
