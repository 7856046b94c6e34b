import { describe, expect, it } from 'vitest';
import { tensor } from '@lnlab/core';
import { SGD } from './sgd';
import { LRScheduler, chain, compose, constant, cosineDecay, inverseSqrt, linearWarmup, sequential } from './schedule';
import type { Schedule } from './schedule';

const at = (s: Schedule, steps: number[]): number[] => steps.map((k) => s(k));
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('schedules', () => {
  it('constant and linearWarmup (the first update uses lr / warmupSteps)', () => {
    expect(at(constant(), [0, 100])).toEqual([1, 1]);
    expect(at(constant(0.3), [0, 7])).toEqual([0.3, 0.3]);
    expect(at(linearWarmup(4), range(6))).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
    expect(at(linearWarmup(1), [0, 1])).toEqual([1, 1]);
  });

  it('cosineDecay: 1 → minFactor over totalSteps, after an optional linear warmup', () => {
    const c = cosineDecay(10);
    expect(c(0)).toBe(1);
    expect(c(5)).toBeCloseTo(0.5, 15);
    expect(c(2)).toBeCloseTo((1 + Math.cos(Math.PI * 0.2)) / 2, 15);
    expect(at(c, [10, 11, 50])).toEqual([0, 0, 0]);
    const m = cosineDecay(10, { minFactor: 0.1 });
    expect(m(5)).toBeCloseTo(0.55, 15);
    expect(m(10)).toBe(0.1);
    const w = cosineDecay(10, { warmupSteps: 2, minFactor: 0.2 });
    expect(at(w, [0, 1, 2])).toEqual([0.5, 1, 1]);
    expect(w(6)).toBeCloseTo(0.6, 15);
    expect(w(10)).toBe(0.2);
  });

  it('inverseSqrt: the original Transformer schedule, peaking at 1 after warmupSteps updates', () => {
    const s = inverseSqrt(4);
    expect(at(s, [0, 1, 2, 3])).toEqual([0.25, 0.5, 0.75, 1]);
    expect(s(15)).toBe(0.5);
    // The paper's formula times √warmup, with its step counted from 1.
    for (const k of range(60)) {
      const n = k + 1;
      expect(s(k)).toBeCloseTo(Math.sqrt(4) * Math.min(n ** -0.5, n * 4 ** -1.5), 14);
    }
  });

  it('compose / chain multiply factors; sequential switches at milestones and restarts the step', () => {
    expect(at(compose(linearWarmup(2), constant(0.5)), [0, 1, 2])).toEqual([0.25, 0.5, 0.5]);
    expect(at(chain(linearWarmup(2), cosineDecay(4)), [0, 4])).toEqual([0.5, 0]);
    const s = sequential([constant(0.1), linearWarmup(2), cosineDecay(4)], [3, 5]);
    expect(at(s, [0, 2, 3, 4, 5, 9])).toEqual([0.1, 0.1, 0.5, 1, 1, 0]);
    expect(s(7)).toBeCloseTo(0.5, 15);
  });

  it('rejects bad arguments with clear errors', () => {
    expect(() => linearWarmup(0)).toThrow('linearWarmup: warmupSteps must be an integer ≥ 1 (got 0)');
    expect(() => linearWarmup(2.5)).toThrow(/warmupSteps must be an integer ≥ 1 \(got 2.5\)/);
    expect(() => inverseSqrt(-3)).toThrow('inverseSqrt: warmupSteps must be an integer ≥ 1 (got -3)');
    expect(() => cosineDecay(0)).toThrow('cosineDecay: totalSteps must be an integer ≥ 1 (got 0)');
    expect(() => cosineDecay(10, { warmupSteps: 10 })).toThrow('cosineDecay: warmupSteps (10) must be less than totalSteps (10)');
    expect(() => cosineDecay(10, { minFactor: 1.5 })).toThrow('cosineDecay: minFactor must be a number in [0, 1] (got 1.5)');
    expect(() => constant(-1)).toThrow(/constant: factor must be a finite number ≥ 0/);
    expect(() => compose()).toThrow('compose: needs at least one schedule');
    expect(() => compose(constant(), 3 as unknown as Schedule)).toThrow('compose: schedule 1 is not a function (got number)');
    expect(() => sequential([constant(), constant()], [])).toThrow('sequential: 2 schedules need 1 milestones (got 0)');
    expect(() => sequential([constant(), constant(), constant()], [4, 4])).toThrow('sequential: milestones[1] must be an integer ≥ 5 (got 4)');
    expect(() => linearWarmup(3)(-1)).toThrow('linearWarmup: step must be a non-negative integer (got -1)');
    expect(() => cosineDecay(3)(0.5)).toThrow(/cosineDecay: step must be a non-negative integer/);
  });
});

describe('LRScheduler', () => {
  it('sets each group to base · schedule(step): step 0 at construction, then after each optimizer step', () => {
    const a = tensor([0], { dtype: 'float64', requiresGrad: true });
    const b = tensor([0], { dtype: 'float64', requiresGrad: true });
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 1 }], { lr: 0.1 });
    const sched = new LRScheduler(opt, linearWarmup(4));
    expect(sched.baseLrs).toEqual([0.1, 1]);
    expect(sched.getLastLr()).toEqual([0.1 * 0.25, 0.25]);
    const used: number[] = [];
    for (let k = 0; k < 6; k++) {
      used.push(opt.paramGroups[1]!.lr);
      a.grad = tensor([1], { dtype: 'float64' });
      b.grad = tensor([1], { dtype: 'float64' });
      opt.step();
      sched.step();
    }
    expect(used).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
    expect(sched.lastStep).toBe(6);
    // With a unit gradient each update subtracts exactly the lr it used.
    expect(b.data[0]).toBeCloseTo(-4.5, 14);
    expect(a.data[0]).toBeCloseTo(-0.45, 14);
  });

  it('round-trips its state dict (JSON) and checks it', () => {
    const p = tensor([0], { requiresGrad: true });
    const opt = new SGD([p], { lr: 0.5 });
    const sched = new LRScheduler(opt, cosineDecay(10));
    for (let k = 0; k < 3; k++) sched.step();
    const saved = JSON.parse(JSON.stringify(sched.stateDict())) as ReturnType<LRScheduler['stateDict']>;
    expect(saved).toEqual({ step: 3, baseLrs: [0.5] });
    const opt2 = new SGD([tensor([0], { requiresGrad: true })], { lr: 0.5 });
    const sched2 = new LRScheduler(opt2, cosineDecay(10));
    sched2.loadStateDict(saved);
    expect(sched2.getLastLr()).toEqual(sched.getLastLr());
    sched.step();
    sched2.step();
    expect(opt2.paramGroups[0]!.lr).toBe(opt.paramGroups[0]!.lr);
    expect(() => sched2.loadStateDict({ step: 1, baseLrs: [0.1, 0.2] })).toThrow(
      'LRScheduler.loadStateDict: baseLrs has 2 entries but the optimizer has 1 groups',
    );
    expect(() => sched2.loadStateDict({ step: -1, baseLrs: [0.1] })).toThrow(/LRScheduler.loadStateDict: step must be an integer ≥ 0/);
  });

  it('rejects a schedule that returns a bad factor, and groups added behind its back', () => {
    const p = tensor([0], { requiresGrad: true });
    const opt = new SGD([p], { lr: 0.5 });
    expect(() => new LRScheduler(opt, () => Number.NaN)).toThrow('LRScheduler: the schedule returned NaN at step 0 (must be a finite number ≥ 0)');
    expect(() => new LRScheduler(opt, 2 as unknown as Schedule)).toThrow(/LRScheduler: schedule must be a function/);
    const sched = new LRScheduler(opt, constant());
    opt.addParamGroup({ params: [tensor([1], { requiresGrad: true })] });
    expect(() => sched.step()).toThrow('LRScheduler: the optimizer has 2 parameter groups but the scheduler was made with 1');
  });
});
