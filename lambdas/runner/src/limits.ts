/** Lambda's documented quotas that the runner enforces the way Lambda does. */

/** Request payload of a synchronous (RequestResponse) invocation. */
export const MAX_SYNC_REQUEST_BYTES = 6_291_456;
/** Request payload of an asynchronous (Event) invocation (1 MB since late 2025; it was 256 KB). */
export const MAX_ASYNC_REQUEST_BYTES = 1_048_576;
/** Response payload of a synchronous invocation (Lambda's own figure, slightly over 6 MiB). */
export const MAX_SYNC_RESPONSE_BYTES = 6_291_556;
/** Default per-invocation timeout. */
export const DEFAULT_TIMEOUT_MS = 30_000;
