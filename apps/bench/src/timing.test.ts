import { describe, expect, it } from 'vitest';
import { gflops, measure, median, quantile, relativeSpread, summarize } from './timing';
import type { Clock } from './timing';

describe('median and quantile', () => {
  it('takes the middle value of an odd count and the mean of the two middle values of an even count', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });
  it('does not reorder its input', () => {
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });
  it('interpolates quantiles between order statistics', () => {
    expect(quantile([10, 20, 30, 40, 50], 0)).toBe(10);
    expect(quantile([10, 20, 30, 40, 50], 1)).toBe(50);
    expect(quantile([10, 20, 30, 40], 0.5)).toBe(25);
  });
  it('rejects an empty list', () => {
    expect(() => median([])).toThrow(/empty/);
  });
});

describe('summarize', () => {
  it('reports min, max, mean, median and the spread', () => {
    const s = summarize([4, 2, 6, 100, 3], 2, 5);
    expect(s).toMatchObject({ median: 4, min: 2, max: 100, mean: 23, reps: 5, inner: 2, warmupCalls: 5 });
    expect(relativeSpread(s)).toBeCloseTo(98 / 4);
    expect(gflops(2 * 256 ** 3, 1)).toBeCloseTo(33.554, 2);
  });
});

/** A clock that only moves when the measured function says so: measure() becomes deterministic. */
function fakeClock(): Clock & { advance(ms: number): void } {
  let t = 0;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('measure', () => {
  it('warms up, repeats fast calls inside a sample, and reports per-call times', async () => {
    const clock = fakeClock();
    let calls = 0;
    const s = await measure(() => {
      calls++;
      clock.advance(2);
    }, { warmupMs: 10, minWarmupCalls: 1, reps: 5, minReps: 3, minSampleMs: 7, budgetMs: 1e9 }, clock);
    expect(s.warmupCalls).toBe(5); // 10 ms of 2-ms calls
    expect(s.inner).toBe(4); // ceil(7 / 2)
    expect(s.reps).toBe(5);
    expect(s.median).toBe(2);
    expect(calls).toBe(5 + 5 * 4);
  });
  it('fits the number of samples to the budget but never below minReps', async () => {
    const clock = fakeClock();
    const s = await measure(async () => clock.advance(1000), { warmupMs: 0, minWarmupCalls: 1, reps: 9, minReps: 3, minSampleMs: 0, budgetMs: 2500 }, clock);
    expect(s.reps).toBe(3);
    expect(s.inner).toBe(1);
    expect(s.median).toBe(1000);
  });
});
