import type http from 'node:http';
import { MAX_ASYNC_REQUEST_BYTES, MAX_SYNC_REQUEST_BYTES } from './limits';
import type { InvokeResult } from './worker';

// Lambda's Invoke API on the wire: the request's path and headers, its checks, and the answers'
// shapes, exactly as the real API gives them so that the AWS SDK reads them the same way.

export const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;
const INVOCATION_TYPES = ['RequestResponse', 'Event', 'DryRun'] as const;
export type InvocationType = (typeof INVOCATION_TYPES)[number];

/** `arn:aws:lambda:us-east-1:123:function:name:qualifier`, `123:function:name` or `name:qualifier` → `name`. */
export function functionNameFromPath(raw: string): string {
  const marker = ':function:';
  const at = raw.indexOf(marker);
  const rest = at >= 0 ? raw.slice(at + marker.length) : raw;
  return rest.split(':')[0] ?? rest;
}

export function send(
  res: http.ServerResponse,
  status: number,
  headers: Record<string, string>,
  body?: string,
): void {
  if (res.headersSent || res.destroyed) return;
  const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
  res.writeHead(status, {
    'Content-Type': 'application/json',
    ...(payload ? { 'Content-Length': String(payload.length) } : {}),
    ...headers,
  });
  res.end(payload);
}

/** An error of the Invoke API itself (not of the function): Lambda's REST-JSON error shape. */
export interface ApiError {
  status: number;
  type: string;
  message: string;
}

export function sendApiError(res: http.ServerResponse, requestId: string, error: ApiError): void {
  send(
    res,
    error.status,
    { 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': error.type },
    JSON.stringify({ Type: 'User', message: error.message }),
  );
}

/** Reads the body, counting bytes past the limit without keeping them, so the 413 reaches a client still sending. */
function readBody(
  req: http.IncomingMessage,
  limit: number,
): Promise<{ body: Buffer; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () =>
      resolve({ body: size <= limit ? Buffer.concat(chunks) : Buffer.alloc(0), size }),
    );
    req.on('error', reject);
  });
}

export interface InvokeRequest {
  invocationType: InvocationType;
  event: unknown;
}

/**
 * Reads and checks one Invoke request, in Lambda's order: the function exists, the invocation
 * type is known, the payload is within its quota and is JSON.
 */
export async function readInvokeRequest(
  req: http.IncomingMessage,
  functionExists: boolean,
  functionArn: string,
): Promise<InvokeRequest | ApiError> {
  const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  const limit = invocationType === 'Event' ? MAX_ASYNC_REQUEST_BYTES : MAX_SYNC_REQUEST_BYTES;
  const { body, size } = await readBody(req, limit);
  if (!functionExists)
    return {
      status: 404,
      type: 'ResourceNotFoundException',
      message: `Function not found: ${functionArn}`,
    };
  if (!isInvocationType(invocationType))
    return {
      status: 400,
      type: 'InvalidParameterValueException',
      message: `1 validation error detected: Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
    };
  if (size > limit)
    return {
      status: 413,
      type: 'RequestEntityTooLargeException',
      message:
        invocationType === 'Event'
          ? `${size} byte payload is too large for the Event invocation type (limit ${limit} bytes)`
          : `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
    };
  if (body.length === 0) return { invocationType, event: {} };
  try {
    return { invocationType, event: JSON.parse(body.toString('utf8')) };
  } catch (err) {
    return {
      status: 400,
      type: 'InvalidRequestContentException',
      message: `Could not parse request body into json: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

const isInvocationType = (value: string): value is InvocationType =>
  (INVOCATION_TYPES as readonly string[]).includes(value);

/** A synchronous invocation's answer: the payload, or exactly what Lambda's Node.js runtime returns for a failure. */
export function sendResult(res: http.ServerResponse, requestId: string, result: InvokeResult) {
  const headers = { 'x-amzn-RequestId': requestId, 'X-Amz-Executed-Version': '$LATEST' };
  if (result.ok) return send(res, 200, headers, result.payload);
  // `trace` for an error the handler threw; none for the platform's own, like a timeout.
  const doc = {
    errorType: result.errorType,
    errorMessage: result.errorMessage,
    ...(result.trace ? { trace: result.trace } : {}),
  };
  send(res, 200, { ...headers, 'X-Amz-Function-Error': 'Unhandled' }, JSON.stringify(doc));
}
