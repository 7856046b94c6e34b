// `modadd`: modular addition a + b mod p. Tokens [a, b, '=', c] with ids 0..p−1 for numbers and p for '='
// (vocabulary p + 1). The model reads [a, b, =] (T = 3); only the last position (predicting c) counts.
// Training pairs are uniform over [0, p)² (so they may include evaluation pairs: the eval set measures fit on a
// fixed sample, not generalisation to held-out pairs). Evaluation: evalSize (512) distinct pairs drawn from
// Generator(evalSeed), or all p² pairs in order (a-major) when p² ≤ evalSize.
import { Generator } from '@lnlab/core';
import { IGNORE } from './task';
import type { Task, TaskBatch } from './task';
import { EVAL_SEED_OPTION, EVAL_SIZE_OPTION, checkBatchSize, checkOptions, intOption, toBatch } from './options';
import type { IntOptionSpec, OptionSpec, TaskOptions } from './options';

export const MODULUS_OPTION: IntOptionSpec = {
  name: 'p',
  type: 'integer',
  default: 97,
  min: 2,
  max: 65536,
  description: "the modulus (numbers are ids 0..p-1, '=' is id p; usually a prime)",
};

export const MODADD_DESCRIPTION = "modular addition: read [a, b, =], predict (a + b) mod p (default p = 97, T = 3)";
export const MODADD_OPTIONS: readonly OptionSpec[] = [MODULUS_OPTION, EVAL_SEED_OPTION, EVAL_SIZE_OPTION];

export interface ModAddTask extends Task {
  readonly p: number;
  /** The id of '=' (= p). */
  readonly equals: number;
}

class ModAddTaskImpl implements ModAddTask {
  readonly name = 'modadd';
  readonly description = MODADD_DESCRIPTION;
  readonly vocabSize: number;
  readonly seqLen = 3;
  readonly p: number;
  readonly equals: number;
  private readonly evalSeed: number;
  private readonly evalSize: number;
  private evalCache: TaskBatch | null = null;

  constructor(p: number, evalSeed: number, evalSize: number) {
    this.p = p;
    this.vocabSize = p + 1;
    this.equals = p;
    this.evalSeed = evalSeed;
    this.evalSize = evalSize;
  }

  sampleBatch(batchSize: number, gen: Generator): TaskBatch {
    checkBatchSize(this.name, batchSize);
    const a = new Array<number>(batchSize);
    const b = new Array<number>(batchSize);
    for (let i = 0; i < batchSize; i++) {
      a[i] = gen.randint(0, this.p);
      b[i] = gen.randint(0, this.p);
    }
    return this.build(a, b);
  }

  /** The fixed evaluation pairs, built once and cached: treat as read-only. */
  evalSet(): TaskBatch {
    if (this.evalCache) return this.evalCache;
    const p = this.p;
    const total = p * p;
    let indices: number[];
    if (total <= this.evalSize) {
      indices = Array.from({ length: total }, (_, i) => i);
    } else {
      // Floyd's algorithm: evalSize distinct indices of [0, p²) without materialising all pairs, then a shuffle.
      const gen = new Generator(this.evalSeed);
      const chosen = new Set<number>();
      for (let j = total - this.evalSize; j < total; j++) {
        const t = gen.randint(0, j + 1);
        chosen.add(chosen.has(t) ? j : t);
      }
      indices = [...chosen];
      for (let i = indices.length - 1; i > 0; i--) {
        const k = gen.randint(0, i + 1);
        const tmp = indices[i]!;
        indices[i] = indices[k]!;
        indices[k] = tmp;
      }
    }
    this.evalCache = this.build(
      indices.map((i) => Math.floor(i / p)),
      indices.map((i) => i % p),
    );
    return this.evalCache;
  }

  /** Numbers as decimals, '=' for the separator, '_' for IGNORE, '?' for anything else; space-separated. */
  decode(tokens: readonly number[]): string {
    return tokens
      .map((t) => {
        if (t === this.equals) return '=';
        if (t === IGNORE) return '_';
        return Number.isInteger(t) && t >= 0 && t < this.p ? String(t) : '?';
      })
      .join(' ');
  }

  private build(a: readonly number[], b: readonly number[]): TaskBatch {
    const n = a.length;
    const inputs = new Int32Array(n * 3);
    const targets = new Int32Array(n * 3).fill(IGNORE);
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      const y = b[i]!;
      inputs[3 * i] = x;
      inputs[3 * i + 1] = y;
      inputs[3 * i + 2] = this.equals;
      targets[3 * i + 2] = (x + y) % this.p;
    }
    return toBatch(inputs, targets, n, 3);
  }
}

export function createModAddTask(options: TaskOptions = {}): ModAddTask {
  const opts = checkOptions('modadd', options, MODADD_OPTIONS);
  return new ModAddTaskImpl(
    intOption('modadd', opts, MODULUS_OPTION),
    intOption('modadd', opts, EVAL_SEED_OPTION),
    intOption('modadd', opts, EVAL_SIZE_OPTION),
  );
}
