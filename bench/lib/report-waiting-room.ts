import type { WaitingRoomResult } from '../scenarios/waiting-room';
import type { NotMeasured } from './report';
import { fmt } from './report-format';
import { round } from './stats';

/** The waiting-room scenario's targets and section of the report (issue 17). */

interface Target {
  scenario: string;
  target: string;
  measured: string;
  ratio: number | null;
  met: boolean | null;
}

export function judgeWaitingRoom(queue: WaitingRoomResult | NotMeasured | undefined): Target[] {
  if (!queue || 'notMeasured' in queue)
    return [
      {
        scenario: 'waiting room',
        target: "admitted fans' purchase p99 ≤ 1/10 of the rush's; told within 2 s; |ρ| < 0.05",
        measured: `not measurable: ${queue?.notMeasured ?? 'not run'}`,
        ratio: null,
        met: null,
      },
    ];
  return [
    {
      scenario: 'waiting room',
      target: "admitted fans' purchase p99 ≤ 1/10 of the plain rush's p99",
      measured: `${fmt(queue.purchaseLatency.p99Ms)} vs ${fmt(queue.rushP99Ms)} ms`,
      ratio: queue.p99RatioToRush,
      met: queue.p99RatioToRush === null ? null : queue.p99RatioToRush <= 0.1,
    },
    {
      scenario: 'waiting room',
      target: 'every waiting fan told within 2 s of selling out',
      measured: `max ${fmt(queue.toldAfterSellOut.maxMs)} ms, ${queue.fansNeverTold} never told`,
      ratio: queue.toldAfterSellOut.count ? round(queue.toldAfterSellOut.maxMs / 2_000, 3) : null,
      met: queue.toldAfterSellOut.maxMs <= 2_000 && queue.fansNeverTold === 0,
    },
    {
      scenario: 'waiting room',
      target: '|rank correlation of joining and admission order| < 0.05',
      measured: `ρ = ${fmt(queue.fairnessCorrelation, 4)} over ${queue.earlyJoiners} fans`,
      ratio: round(Math.abs(queue.fairnessCorrelation) / 0.05, 3),
      met: Math.abs(queue.fairnessCorrelation) < 0.05,
    },
    {
      scenario: 'waiting room',
      target: 'zero oversold, zero undersold',
      measured: `${queue.oversold} oversold, ${queue.undersold} undersold`,
      ratio: null,
      met: queue.oversold === 0 && queue.undersold === 0,
    },
  ];
}

export function waitingRoomSection(queue: WaitingRoomResult | NotMeasured | undefined): string[] {
  const out = ['## 2b. On-sale with a waiting room', ''];
  if (!queue || 'notMeasured' in queue) {
    out.push(`Not measurable: ${queue?.notMeasured ?? 'not run'}.`, '');
    return out;
  }
  const q = queue;
  const row = (name: string, d: WaitingRoomResult['purchaseLatency']) =>
    `| ${name} | ${fmt(d.p50Ms)} | ${fmt(d.p99Ms)} | ${fmt(d.maxMs)} | ${d.count} |`;
  out.push(
    `${q.fans} fans (already registered) join the waiting room at random moments of the ${q.joinWindowSeconds} s before a tier of ${q.capacity} goes on sale, ` +
      `each following their ticket over graphql-ws (queueTicketUpdated) and buying one ticket when admitted. ` +
      `Joins: ${JSON.stringify(q.joinOutcomes)}${Object.keys(q.joinRetries ?? {}).length ? ` (sent again, as the web client does, after ${JSON.stringify(q.joinRetries)})` : ''}; purchases: ${JSON.stringify(q.purchaseOutcomes)}; ${q.seconds} s in all.`,
    '',
    '| | p50 ms | p99 ms | max ms | count |',
    '| --- | --- | --- | --- | --- |',
    row(
      'time to a position (from the later of asking to join and the sale start)',
      q.timeToPosition,
    ),
    row('purchase latency of admitted fans', q.purchaseLatency),
    row('told CLOSED after the last sale', q.toldAfterSellOut),
    '',
    `The plain rush's purchase p99 in this run: ${fmt(q.rushP99Ms)} ms (ratio ${fmt(q.p99RatioToRush, 3)}). ` +
      `Fairness: ρ = ${fmt(q.fairnessCorrelation, 4)} between joining order and place over the ${q.earlyJoiners} fans in the draw (the router received their join before the start). ` +
      (q.admittedShare === undefined
        ? ''
        : `${q.drawnAnsweredAfterStart} of them were answered only after the start (their joins held on the way, dated by the router's receipt): ` +
          `**admitted ${fmt(q.admittedShare.answeredAfterStart, 3)} of those against ${fmt(q.admittedShare.answeredBeforeStart, 3)} of the fans answered before it**. ` +
          `${q.askedBeforeStartOutOfDraw} fans asked before the start but reached the router after it (not in the draw). ` +
          (q.drawSecondsAfterStart === undefined || q.drawSecondsAfterStart === null
            ? ''
            : `The draw came ${fmt(q.drawSecondsAfterStart, 2)} s after the start, once joins asked before it stopped coming in. `)) +
      `Of the fans who joined, without a position: ${q.fansWithoutPosition}; never told: ${q.fansNeverTold}; ` +
      `joined only after the last sale (told CLOSED in their join's answer, not counted as waiting fans above): ${q.joinedAfterSellOut ?? 0}. ` +
      `Tickets database: capacity ${q.database.capacity}, sold ${q.database.sold}, held ${q.database.held}, tickets ${q.database.tickets}. ` +
      `**Oversold ${q.oversold}, undersold ${q.undersold}.**`,
  );
  if (q.errorExamples.length)
    out.push('', `Errors seen: ${q.errorExamples.map((e) => `\`${e}\``).join('; ')}`);
  out.push('');
  return out;
}
