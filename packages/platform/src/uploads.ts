import { Kind, parse } from 'graphql';
import type { LargeBody } from './http';
import { onlyRootFields } from './root-fields';

/** An event's cover image, as uploaded: at most this many bytes once decoded. */
export const MAX_EVENT_IMAGE_BYTES = 5 * 1024 * 1024;

/**
 * The body a `setEventImage` request may take: the image in base64 (4 characters per 3 bytes)
 * plus room for the operation, its variables and a file somewhat too big (which the events
 * service then refuses with a message saying so, rather than the router with a bare 413).
 */
export const EVENT_IMAGE_BODY_BYTES = Math.ceil(MAX_EVENT_IMAGE_BYTES / 3) * 4 + 1024 * 1024;

/** Above this many tokens a document is no upload (and is not worth parsing here). */
const MAX_UPLOAD_TOKENS = 200;

/**
 * A LargeBody rule admitting only an operation that is a mutation of `field` and nothing else
 * (one operation, no fragments, every root selection that field), so the bigger limit serves
 * the upload and no other request. `resolve` finds the document of a request sent by hash.
 */
export function onlyMutationOf(
  field: string,
  maxBytes: number,
  resolve: (body: Record<string, unknown>) => string | undefined = () => undefined,
): LargeBody {
  return {
    maxBytes,
    admits: (body) => {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
      const request = body as Record<string, unknown>;
      const query = typeof request.query === 'string' ? request.query : resolve(request);
      if (!query) return false;
      try {
        const document = parse(query, { maxTokens: MAX_UPLOAD_TOKENS, noLocation: true });
        const [operation, ...others] = document.definitions;
        return (
          others.length === 0 &&
          operation?.kind === Kind.OPERATION_DEFINITION &&
          operation.operation === 'mutation' &&
          operation.selectionSet.selections.length === 1 &&
          onlyRootFields(operation, new Set([`Mutation.${field}`]))
        );
      } catch {
        return false;
      }
    },
  };
}
