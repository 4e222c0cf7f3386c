import { addUsage, perUnit, type CpuUsage } from '../lib/cpu';

const usage = (byProcess: Record<string, number>, machineBusyMs: number): CpuUsage => ({
  wallSeconds: 8,
  byProcess,
  machineBusyMs,
  restMs: machineBusyMs - Object.values(byProcess).reduce((a, b) => a + b, 0),
  cores: 2,
});

describe('a browse target’s rounds, added up', () => {
  it('sums every process, the machine and the rest, and the time', () => {
    const first = usage({ router: 4_000, events: 1_000 }, 6_000);
    const second = usage({ router: 5_000, tickets: 500 }, 7_000);
    const both = addUsage(addUsage(undefined, first), second);
    expect(both).toEqual({
      wallSeconds: 16,
      byProcess: { router: 9_000, events: 1_000, tickets: 500 },
      machineBusyMs: 13_000,
      restMs: 1_000 + 1_500,
      cores: 2,
    });
    // The rounds it was added from are left as they were.
    expect(first.byProcess).toEqual({ router: 4_000, events: 1_000 });
  });

  it('gives µs per page per process, with the rest and the machine', () => {
    const perPage = perUnit(usage({ router: 9_000, events: 1_000 }, 12_000), 4_000, 1000);
    expect(perPage).toEqual({ router: 2_250, events: 250, 'the rest': 500, machine: 3_000 });
  });
});
