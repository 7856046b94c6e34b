// Task options: one spec per option serves both validation (clear errors naming the task) and `lnlab tasks` docs.
import { tensor } from '@lnlab/core';
import type { TaskBatch } from './task';

/**
 * Options as they reach a task factory. `undefined` means "not given" (the default applies). Integer options accept
 * numbers or decimal integer strings (as they arrive from the command line); anything else is an error.
 */
export type TaskOptions = Readonly<Record<string, unknown>>;

export interface IntOptionSpec {
  readonly name: string;
  readonly type: 'integer';
  readonly default: number;
  /** Inclusive bounds. */
  readonly min: number;
  readonly max: number;
  readonly description: string;
}

export interface StringOptionSpec {
  readonly name: string;
  readonly type: 'string';
  readonly required: boolean;
  readonly description: string;
}

export type OptionSpec = IntOptionSpec | StringOptionSpec;

/** Default seed of the fixed evaluation sets (separate from any training seed). */
export const DEFAULT_EVAL_SEED = 1234;
/** Default number of evaluation examples. */
export const DEFAULT_EVAL_SIZE = 512;
/** Upper bound on evalSize, so a typo cannot ask for gigabytes. */
export const MAX_EVAL_SIZE = 1 << 20;

export const EVAL_SEED_OPTION: IntOptionSpec = {
  name: 'evalSeed',
  type: 'integer',
  default: DEFAULT_EVAL_SEED,
  min: 0,
  max: Number.MAX_SAFE_INTEGER,
  description: 'seed of the fixed evaluation set (independent of the training generator)',
};

export const EVAL_SIZE_OPTION: IntOptionSpec = {
  name: 'evalSize',
  type: 'integer',
  default: DEFAULT_EVAL_SIZE,
  min: 1,
  max: MAX_EVAL_SIZE,
  description: 'number of examples in the fixed evaluation set',
};

/** A short, unambiguous rendering of a bad value for error messages. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function describeRange(spec: IntOptionSpec): string {
  if (spec.min === 1) return 'a positive integer';
  if (spec.min === 0) return 'a non-negative integer';
  return `an integer ≥ ${spec.min}`;
}

/** Checks that `options` is a plain object whose keys are all known to the task; returns it typed. */
export function checkOptions(task: string, options: unknown, specs: readonly OptionSpec[]): TaskOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`task ${task}: options must be an object, got ${showValue(options)}`);
  }
  const known = specs.map((s) => s.name);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      const takes = known.length > 0 ? `${task} takes: ${known.join(', ')}` : `${task} takes no options`;
      throw new Error(`task ${task}: unknown option '${key}' (${takes})`);
    }
  }
  return options as TaskOptions;
}

/** The validated value of an integer option (its default when absent). */
export function intOption(task: string, options: TaskOptions, spec: IntOptionSpec): number {
  const raw = Object.hasOwn(options, spec.name) ? options[spec.name] : undefined;
  if (raw === undefined) return spec.default;
  let value: number = Number.NaN;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'string' && /^\s*[+-]?\d+\s*$/.test(raw)) value = Number(raw);
  if (!Number.isSafeInteger(value) || value < spec.min) {
    throw new Error(`task ${task}: ${spec.name} must be ${describeRange(spec)}, got ${showValue(raw)}`);
  }
  if (value > spec.max) {
    throw new Error(`task ${task}: ${spec.name} must be at most ${spec.max}, got ${showValue(raw)}`);
  }
  return value;
}

/** The value of a string option; throws if a required one is missing. */
export function stringOption(task: string, options: TaskOptions, spec: StringOptionSpec): string | undefined {
  const raw = Object.hasOwn(options, spec.name) ? options[spec.name] : undefined;
  if (raw === undefined) {
    if (spec.required) throw new Error(`task ${task}: option ${spec.name} is required (${spec.description})`);
    return undefined;
  }
  if (typeof raw !== 'string') {
    throw new Error(`task ${task}: ${spec.name} must be a string, got ${typeof raw} ${showValue(raw)}`);
  }
  return raw;
}

/** Throws unless `batchSize` is a positive integer. */
export function checkBatchSize(task: string, batchSize: number): void {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new Error(`task ${task}: batchSize must be a positive integer, got ${showValue(batchSize)}`);
  }
}

/** Wraps flat row-major int32 buffers as an int32 [B, T] batch. */
export function toBatch(inputs: Int32Array, targets: Int32Array, batchSize: number, seqLen: number): TaskBatch {
  return {
    inputs: tensor(inputs, { dtype: 'int32', shape: [batchSize, seqLen] }),
    targets: tensor(targets, { dtype: 'int32', shape: [batchSize, seqLen] }),
  };
}
