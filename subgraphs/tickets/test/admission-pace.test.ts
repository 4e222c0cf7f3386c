import { AdmissionPace } from '../src/admission-pace';

// The waiting room's admission limit, stepped by hand: up while the box office answers fast and
// the room uses it all, down by a third when it slows, between its floor and ceiling.

const options = { floor: 10, ceiling: 100, targetMs: 50, stepMs: 250 };

function answers(pace: AdmissionPace, ms: number, count = 20) {
  for (let i = 0; i < count; i++) pace.record(ms);
}

describe('AdmissionPace', () => {
  it('starts at its floor and climbs to its ceiling while answers are fast and the room is full', () => {
    const pace = new AdmissionPace(options);
    let now = 1_000;
    expect(pace.current).toBe(10);
    const limits: number[] = [];
    for (let step = 0; step < 40; step++) {
      answers(pace, 5);
      limits.push(pace.limit(true, (now += 250)));
    }
    expect(limits.slice(0, 4)).toEqual([11, 13, 15, 17]);
    expect(limits.at(-1)).toBe(100);
  });

  it('does not grow a limit the room does not use', () => {
    const pace = new AdmissionPace(options);
    answers(pace, 5);
    expect(pace.limit(false, 1_000)).toBe(10);
  });

  it('cuts by a third when the 90th percentile passes the target, never below the floor', () => {
    const pace = new AdmissionPace(options);
    let now = 1_000;
    for (let step = 0; step < 30; step++) pace.limit(true, (now += 250));
    expect(pace.current).toBe(100);
    // 15 fast answers and 5 slow: the 90th percentile is slow.
    answers(pace, 5, 15);
    answers(pace, 400, 5);
    expect(pace.limit(true, (now += 250))).toBe(66);
    for (let step = 0; step < 10; step++) {
      answers(pace, 400);
      pace.limit(true, (now += 250));
    }
    expect(pace.current).toBe(10);
  });

  it('steps at most once per step time, however often it is asked', () => {
    const pace = new AdmissionPace(options);
    answers(pace, 5);
    expect(pace.limit(true, 1_000)).toBe(11);
    answers(pace, 5);
    expect(pace.limit(true, 1_100)).toBe(11);
    expect(pace.limit(true, 1_250)).toBe(13);
  });

  it('keeps a ceiling below its floor (a test stack admitting one at a time)', () => {
    const pace = new AdmissionPace({ ...options, ceiling: 2 });
    answers(pace, 400);
    expect(pace.limit(true, 1_000)).toBe(2);
  });
});
