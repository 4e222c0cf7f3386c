/**
 * The chat's posts, sent from a worker thread (`chat-poster-thread.ts`) so that their schedule and
 * their timestamps do not wait on the main thread, where the subscribers read their frames.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** Where a post's request body takes its message text, stamped with the moment it is sent. */
export const BODY_PLACEHOLDER = '%%message-text%%';

/** Milliseconds since the epoch, at sub-millisecond resolution, comparable between threads. */
export const epochNowMs = (): number => performance.timeOrigin + performance.now();

export type PosterRequest =
  | {
      type: 'step';
      postUrl: string;
      /** Each post's request body (its text at BODY_PLACEHOLDER) and token, in order. */
      posts: Array<{ json: string; token?: string }>;
      /** Each text is `${prefix}${i}@${sent at, epoch ms}`. */
      prefix: string;
      intervalMs: number;
    }
  | { type: 'close' };

export interface PosterReport {
  type: 'done';
  /** From the first post sent to the last. */
  seconds: number;
  /** Each answered post's time to its answer, ms. */
  latencies: number[];
  outcomes: Record<string, number>;
  /** Indexes of the posts answered ok. */
  ok: number[];
  failures: string[];
}

/** A worker thread's code: TypeScript, through tsx's require hook (as queue-fans.ts does). */
const POSTER_THREAD = `require('tsx/cjs'); require(${JSON.stringify(
  join(__dirname, 'chat-poster-thread.ts'),
)});`;

/** A message's number and the moment it was sent, from its text; undefined if not this step's. */
export function stampOf(text: string, prefix: string): { n: number; sentAt: number } | undefined {
  if (!text.startsWith(prefix)) return undefined;
  const at = text.indexOf('@', prefix.length);
  if (at < 0) return undefined;
  return { n: Number(text.slice(prefix.length, at)), sentAt: Number(text.slice(at + 1)) };
}

export class ChatPoster {
  private readonly thread = new Worker(POSTER_THREAD, { eval: true });

  /** Posts a step's messages on schedule; settles once every post is answered. */
  step(request: Omit<Extract<PosterRequest, { type: 'step' }>, 'type'>): Promise<PosterReport> {
    return new Promise((resolve, reject) => {
      const failed = (error: Error) => reject(error);
      this.thread.once('error', failed);
      this.thread.once('message', (report: PosterReport) => {
        this.thread.off('error', failed);
        resolve(report);
      });
      this.thread.postMessage({ type: 'step', ...request } satisfies PosterRequest);
    });
  }

  async close(): Promise<void> {
    this.thread.postMessage({ type: 'close' } satisfies PosterRequest);
    await this.thread.terminate();
  }
}
