import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { sendJson, type Route } from '@ko/platform/http';
import type { Logger } from '@ko/platform/logger';

/** Served by the events service (its cover images); the router passes these paths on. */
export const IMAGE_PATH = '/images/events/';

/** Headers of the events service's answer that the client needs (caching, type, length). */
const PASSED_ON = [
  'content-type',
  'content-length',
  'cache-control',
  'etag',
  'x-content-type-options',
];

/**
 * GET/HEAD of a cover image through the router's origin, answered by a healthy events
 * instance. Only reads pass; the cache headers (immutable, ETag) and a 304 come back as they are.
 */
export function imageProxy(
  pickEvents: () => string | undefined,
  logger: Logger,
  timeoutMs: number,
): Route {
  return (req: IncomingMessage, res: ServerResponse) =>
    new Promise<void>((resolve) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' });
        res.end();
        return resolve();
      }
      const base = pickEvents();
      if (!base) {
        sendJson(res, 503, {
          errors: [
            {
              message: 'Images are unavailable right now.',
              extensions: { code: 'SERVICE_UNAVAILABLE' },
            },
          ],
        });
        return resolve();
      }
      const target = new URL((req.url ?? '/').split('?')[0]!, base);
      const upstream = request(
        target,
        {
          method: req.method,
          timeout: timeoutMs,
          headers: req.headers['if-none-match']
            ? { 'if-none-match': req.headers['if-none-match'] }
            : {},
        },
        (answer) => {
          const headers: Record<string, string> = {};
          for (const name of PASSED_ON) {
            const value = answer.headers[name];
            if (typeof value === 'string') headers[name] = value;
          }
          res.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(res);
          answer.on('end', resolve);
          answer.on('error', () => {
            res.destroy();
            resolve();
          });
        },
      );
      upstream.on('timeout', () => upstream.destroy(new Error('timed out')));
      upstream.on('error', (error) => {
        logger.warn({ err: error, url: target.toString() }, 'image fetch from events failed');
        if (!res.headersSent)
          sendJson(res, 502, {
            errors: [
              {
                message: 'The image could not be fetched; try again.',
                extensions: { code: 'SERVICE_UNAVAILABLE' },
              },
            ],
          });
        else res.destroy();
        resolve();
      });
      upstream.end();
    });
}
