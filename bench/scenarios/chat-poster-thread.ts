/**
 * The chat's poster, in a worker thread of its own (see `ChatPoster`): it posts a step's messages
 * on schedule and stamps each body with the moment it was sent. In the main thread, with the
 * 1,000 subscribers, a saturated event loop held posts back, and the time they waited counted as
 * delivery latency although no message existed yet.
 */
import { parentPort } from 'node:worker_threads';
import { GraphQLHttp, outcomeOf } from '../lib/load';
import { round } from '../lib/stats';
import { BODY_PLACEHOLDER, epochNowMs, type PosterReport, type PosterRequest } from './chat-poster';

const port = parentPort!;
const clients = new Map<string, GraphQLHttp>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

port.on('message', (request: PosterRequest) => {
  if (request.type === 'close') {
    for (const client of clients.values()) client.close();
    port.close();
    return;
  }
  void postStep(request).then((report) => port.postMessage(report));
});

async function postStep(step: Extract<PosterRequest, { type: 'step' }>): Promise<PosterReport> {
  let client = clients.get(step.postUrl);
  if (!client) clients.set(step.postUrl, (client = new GraphQLHttp(step.postUrl, 256, 30_000)));
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  const ok: number[] = [];
  const failures: string[] = [];
  const started = epochNowMs();
  const inflight: Array<Promise<void>> = [];
  for (const [i, post] of step.posts.entries()) {
    // Timers wake on a millisecond clock, up to a millisecond early by this one: wait again.
    for (let wait = started + i * step.intervalMs - epochNowMs(); wait > 1;) {
      await sleep(wait);
      wait = started + i * step.intervalMs - epochNowMs();
    }
    const sentAt = epochNowMs();
    const json = post.json.replace(BODY_PLACEHOLDER, `${step.prefix}${i}@${sentAt.toFixed(2)}`);
    inflight.push(
      client.post(json, post.token).then((answer) => {
        latencies.push(epochNowMs() - sentAt);
        const outcome = outcomeOf(answer);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        if (outcome === 'ok') ok.push(i);
        else if (failures.length < 5)
          failures.push(answer.failure ?? JSON.stringify(answer.body?.errors).slice(0, 300));
      }),
    );
  }
  const seconds = round((epochNowMs() - started) / 1000);
  await Promise.all(inflight);
  return { type: 'done', seconds, latencies, outcomes, ok, failures };
}
