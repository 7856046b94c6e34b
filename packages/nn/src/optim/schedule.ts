// Learning-rate schedules as multipliers of each group's base lr (PyTorch's LambdaLR), and the LRScheduler that applies them.
//
// A Schedule maps the update index (0 for the first optimizer.step()) to a factor; the lr used by update k is
// base·schedule(k). Training loop, as in PyTorch: optimizer.step(); scheduler.step(). The factor for update 0
// is applied when the scheduler is constructed.

/** The lr multiplier for update `step` (counted from 0). */
export type Schedule = (step: number) => number;

function checkStep(op: string, step: number): void {
  if (!Number.isInteger(step) || step < 0) throw new Error(`${op}: step must be a non-negative integer (got ${step})`);
}

function checkCount(op: string, name: string, value: unknown, min: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new Error(`${op}: ${name} must be an integer ≥ ${min} (got ${String(value)})`);
  }
}

function checkSchedules(op: string, schedules: readonly unknown[]): void {
  if (schedules.length === 0) throw new Error(`${op}: needs at least one schedule`);
  schedules.forEach((s, i) => {
    if (typeof s !== 'function') throw new Error(`${op}: schedule ${i} is not a function (got ${typeof s})`);
  });
}

/** A constant factor (default 1: the base lr throughout). */
export function constant(factor = 1): Schedule {
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 0) {
    throw new Error(`constant: factor must be a finite number ≥ 0 (got ${String(factor)})`);
  }
  return (step) => {
    checkStep('constant', step);
    return factor;
  };
}

/**
 * Linear warmup: factor = min(1, (step + 1) / warmupSteps). Steps count from 0, so the first update uses
 * lr/warmupSteps and update warmupSteps − 1 the full lr; 1 afterwards.
 */
export function linearWarmup(warmupSteps: number): Schedule {
  checkCount('linearWarmup', 'warmupSteps', warmupSteps, 1);
  return (step) => {
    checkStep('linearWarmup', step);
    return Math.min(1, (step + 1) / warmupSteps);
  };
}

export interface CosineDecayOptions {
  /** The factor reached at `totalSteps` (and kept afterwards). Default 0. */
  minFactor?: number;
  /** Linear warmup first, as `linearWarmup(warmupSteps)`; the cosine starts at step `warmupSteps`. Default 0. */
  warmupSteps?: number;
}

/**
 * Cosine decay from 1 to `minFactor`: for warmupSteps ≤ step ≤ totalSteps,
 * factor = minFactor + (1 − minFactor)·(1 + cos(π·(step − warmupSteps)/(totalSteps − warmupSteps)))/2;
 * (step + 1)/warmupSteps before, minFactor after (PyTorch's CosineAnnealingLR with T_max = totalSteps − warmupSteps,
 * eta_min = minFactor·lr, in closed form).
 */
export function cosineDecay(totalSteps: number, options: CosineDecayOptions = {}): Schedule {
  const op = 'cosineDecay';
  const { minFactor = 0, warmupSteps = 0 } = options;
  checkCount(op, 'totalSteps', totalSteps, 1);
  checkCount(op, 'warmupSteps', warmupSteps, 0);
  if (warmupSteps >= totalSteps) throw new Error(`${op}: warmupSteps (${warmupSteps}) must be less than totalSteps (${totalSteps})`);
  if (typeof minFactor !== 'number' || !(minFactor >= 0 && minFactor <= 1)) {
    throw new Error(`${op}: minFactor must be a number in [0, 1] (got ${String(minFactor)})`);
  }
  const span = totalSteps - warmupSteps;
  return (step) => {
    checkStep(op, step);
    if (step < warmupSteps) return (step + 1) / warmupSteps;
    if (step >= totalSteps) return minFactor;
    return minFactor + ((1 - minFactor) * (1 + Math.cos((Math.PI * (step - warmupSteps)) / span))) / 2;
  };
}

/**
 * The original Transformer's schedule ("Attention Is All You Need", §5.3) normalised to peak at 1:
 * with s = step + 1, factor = √warmupSteps · min(s^−½, s·warmupSteps^−1.5), i.e. s/warmupSteps while
 * s ≤ warmupSteps (linear warmup, 1 at step warmupSteps − 1), then √(warmupSteps/s). The paper's
 * d_model^−½·warmupSteps^−½ scale is the base lr's business.
 */
export function inverseSqrt(warmupSteps: number): Schedule {
  checkCount('inverseSqrt', 'warmupSteps', warmupSteps, 1);
  return (step) => {
    checkStep('inverseSqrt', step);
    const s = step + 1;
    return s <= warmupSteps ? s / warmupSteps : Math.sqrt(warmupSteps / s);
  };
}

/** The product of the schedules' factors at each step (e.g. `compose(linearWarmup(100), constant(0.5))`). */
export function compose(...schedules: Schedule[]): Schedule {
  checkSchedules('compose', schedules);
  return (step) => {
    checkStep('compose', step);
    let factor = 1;
    for (const s of schedules) factor *= s(step);
    return factor;
  };
}

/** Same as `compose` (the name of PyTorch's ChainedScheduler, which also multiplies). */
export function chain(...schedules: Schedule[]): Schedule {
  return compose(...schedules);
}

/**
 * One schedule after another, as PyTorch's SequentialLR: `schedules[i]` runs from `milestones[i-1]` (0 for the
 * first) with its own step count restarted at 0. `milestones` are strictly increasing integers ≥ 1, one fewer
 * than the schedules. E.g. `sequential([linearWarmup(10), cosineDecay(90)], [10])`.
 */
export function sequential(schedules: Schedule[], milestones: number[]): Schedule {
  const op = 'sequential';
  checkSchedules(op, schedules);
  if (!Array.isArray(milestones) || milestones.length !== schedules.length - 1) {
    throw new Error(`${op}: ${schedules.length} schedules need ${schedules.length - 1} milestones (got ${Array.isArray(milestones) ? milestones.length : String(milestones)})`);
  }
  milestones.forEach((m, i) => {
    checkCount(op, `milestones[${i}]`, m, i === 0 ? 1 : milestones[i - 1]! + 1);
  });
  return (step) => {
    checkStep(op, step);
    let i = 0;
    while (i < milestones.length && step >= milestones[i]!) i++;
    const start = i === 0 ? 0 : milestones[i - 1]!;
    return schedules[i]!(step - start);
  };
}

/** Anything with parameter groups carrying an `lr` (every Optimizer). */
export interface LRSchedulable {
  readonly paramGroups: readonly { lr: number }[];
}

/** What `LRScheduler.stateDict()` returns: JSON-able. */
export interface LRSchedulerState {
  /** The index of the next update (PyTorch's `last_epoch`). */
  step: number;
  baseLrs: number[];
}

/**
 * PyTorch's LambdaLR: records each group's lr as its base, sets `group.lr = base · schedule(0)` now and
 * `group.lr = base · schedule(k)` at the k-th `step()`. Call `scheduler.step()` after `optimizer.step()`.
 */
export class LRScheduler {
  readonly optimizer: LRSchedulable;
  readonly schedule: Schedule;
  /** Each group's lr when the scheduler was made. */
  readonly baseLrs: number[];
  private current = 0;

  constructor(optimizer: LRSchedulable, schedule: Schedule) {
    if (typeof schedule !== 'function') throw new Error(`LRScheduler: schedule must be a function (got ${typeof schedule})`);
    if (!optimizer || !Array.isArray(optimizer.paramGroups)) throw new Error('LRScheduler: optimizer must have paramGroups');
    this.optimizer = optimizer;
    this.schedule = schedule;
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
    this.apply();
  }

  /** The index of the update the current lr is for (PyTorch's `last_epoch`). */
  get lastStep(): number {
    return this.current;
  }

  /** Advances to the next update and sets its lr. */
  step(): void {
    this.current++;
    this.apply();
  }

  /** The lr of every group as last set. */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  stateDict(): LRSchedulerState {
    return { step: this.current, baseLrs: [...this.baseLrs] };
  }

  /** Restores the step and base lrs and sets the groups' lr accordingly. */
  loadStateDict(sd: LRSchedulerState): void {
    const where = 'LRScheduler.loadStateDict';
    checkCount(where, 'step', sd.step, 0);
    if (!Array.isArray(sd.baseLrs) || sd.baseLrs.length !== this.baseLrs.length) {
      throw new Error(`${where}: baseLrs has ${Array.isArray(sd.baseLrs) ? sd.baseLrs.length : 'no'} entries but the optimizer has ${this.baseLrs.length} groups`);
    }
    sd.baseLrs.forEach((lr, i) => {
      if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) throw new Error(`${where}: baseLrs[${i}] is ${String(lr)}, not an lr`);
    });
    this.current = sd.step;
    this.baseLrs.splice(0, this.baseLrs.length, ...sd.baseLrs);
    this.apply();
  }

  private apply(): void {
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.baseLrs.length) {
      throw new Error(`LRScheduler: the optimizer has ${groups.length} parameter groups but the scheduler was made with ${this.baseLrs.length}`);
    }
    const factor = this.schedule(this.current);
    if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 0) {
      throw new Error(`LRScheduler: the schedule returned ${String(factor)} at step ${this.current} (must be a finite number ≥ 0)`);
    }
    groups.forEach((g, i) => {
      g.lr = this.baseLrs[i]! * factor;
    });
  }
}
