import {
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';

/** Most documents kept, and the longest text kept: what a hostile client can make it hold. */
const MAX_DOCUMENTS = 500;
const MAX_KEPT_LENGTH = 10_000;

/**
 * Subscription documents parsed and validated once per text, and shared. Thousands of fans follow
 * their queue ticket or a chat with the same few documents (the web client's): graphql-ws parsed
 * and validated each subscription's on its own, a new syntax tree per socket, and everything keyed
 * by the document (the shared execution's shape) was worked out again for each.
 *
 * Refusals carry the codes the router gives the same mistakes over HTTP: GRAPHQL_PARSE_FAILED and
 * GRAPHQL_VALIDATION_FAILED (or the rule's own code), as errors of that subscription. graphql-ws
 * let a syntax error escape and closed the whole connection with 4500.
 */
export class SubscriptionDocuments {
  private readonly documents = new Map<string, DocumentNode>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly rules: readonly ValidationRule[],
  ) {}

  /** The document for `text`, or why it is refused. */
  get(text: string): DocumentNode | GraphQLError[] {
    const known = this.documents.get(text);
    if (known) return known;
    let document: DocumentNode;
    try {
      document = parse(text);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      return [withCode(error, 'GRAPHQL_PARSE_FAILED')];
    }
    const errors = validate(this.schema, document, this.rules);
    if (errors.length) return errors.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
    if (text.length <= MAX_KEPT_LENGTH) {
      // The oldest goes first once full (Map keeps insertion order).
      if (this.documents.size >= MAX_DOCUMENTS)
        this.documents.delete(this.documents.keys().next().value!);
      this.documents.set(text, document);
    }
    return document;
  }
}

/** The error with `code` unless it has one (a rule's own, such as BAD_USER_INPUT). */
const withCode = (error: GraphQLError, code: string): GraphQLError =>
  error.extensions.code
    ? error
    : new GraphQLError(error.message, {
        nodes: error.nodes,
        source: error.source,
        positions: error.positions,
        extensions: { ...error.extensions, code },
      });
