// Shared machinery of the sequence-transduction tasks (reverse, copy, sort): `x | f(x)`, only the answer counts.
//
// Layout for `symbols` = S and `length` = L: data symbols are ids 0..S−1 and the separator is id S (vocabulary S + 1).
// A sequence is L uniform random symbols x, the separator, then f(x) (2L + 1 tokens). The model reads seq[:-1]
// (T = 2L) and predicts seq[1:]; targets are IGNORE except at positions L..2L−1, which predict seq[L+1..2L] = f(x).
import { Generator } from '@lnlab/core';
import { IGNORE } from './task';
import type { Task, TaskBatch } from './task';
import { checkBatchSize, toBatch } from './options';

/** A task of the form `x | f(x)`, with the layout parameters exposed for analysis and reports. */
export interface SequenceTask extends Task {
  /** Number of data symbols S (ids 0..S−1). */
  readonly symbols: number;
  /** Length L of the input half and of the answer. */
  readonly length: number;
  /** The separator's id (= S). */
  readonly separator: number;
}

export interface SequenceTaskConfig {
  name: string;
  description: string;
  symbols: number;
  length: number;
  /** The answer f(x) for the input half x (must have the same length; must not modify x). */
  answer: (x: readonly number[]) => number[];
  evalSeed: number;
  evalSize: number;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Renders tokens of a sequence task: letters (a–z, then A–Z) for up to 52 symbols, concatenated; otherwise
 * space-separated numbers. The separator is '|', IGNORE is '_', anything else out of range is '?'.
 */
export function decodeSymbols(tokens: readonly number[], symbols: number): string {
  const letters = symbols <= LETTERS.length;
  const parts = tokens.map((t) => {
    if (t === symbols) return '|';
    if (t === IGNORE) return '_';
    if (Number.isInteger(t) && t >= 0 && t < symbols) return letters ? LETTERS[t]! : String(t);
    return '?';
  });
  return parts.join(letters ? '' : ' ');
}

class SequenceTaskImpl implements SequenceTask {
  readonly name: string;
  readonly description: string;
  readonly vocabSize: number;
  readonly seqLen: number;
  readonly symbols: number;
  readonly length: number;
  readonly separator: number;
  private readonly answer: (x: readonly number[]) => number[];
  private readonly evalSeed: number;
  private readonly evalSize: number;
  private evalCache: TaskBatch | null = null;

  constructor(config: SequenceTaskConfig) {
    this.name = config.name;
    this.description = config.description;
    this.symbols = config.symbols;
    this.length = config.length;
    this.separator = config.symbols;
    this.vocabSize = config.symbols + 1;
    this.seqLen = 2 * config.length;
    this.answer = config.answer;
    this.evalSeed = config.evalSeed;
    this.evalSize = config.evalSize;
  }

  sampleBatch(batchSize: number, gen: Generator): TaskBatch {
    checkBatchSize(this.name, batchSize);
    return this.generate(batchSize, gen);
  }

  /** 512 (evalSize) sequences from a private Generator(evalSeed), built once and cached: treat as read-only. */
  evalSet(): TaskBatch {
    this.evalCache ??= this.generate(this.evalSize, new Generator(this.evalSeed));
    return this.evalCache;
  }

  decode(tokens: readonly number[]): string {
    return decodeSymbols(tokens, this.symbols);
  }

  private generate(batchSize: number, gen: Generator): TaskBatch {
    const L = this.length;
    const T = this.seqLen;
    const inputs = new Int32Array(batchSize * T);
    const targets = new Int32Array(batchSize * T);
    const seq = new Array<number>(2 * L + 1);
    const x = new Array<number>(L);
    for (let b = 0; b < batchSize; b++) {
      for (let i = 0; i < L; i++) x[i] = gen.randint(0, this.symbols);
      const y = this.answer(x);
      if (y.length !== L) throw new Error(`task ${this.name}: answer has length ${y.length}, expected ${L}`);
      for (let i = 0; i < L; i++) {
        seq[i] = x[i]!;
        seq[L + 1 + i] = y[i]!;
      }
      seq[L] = this.separator;
      const row = b * T;
      for (let t = 0; t < T; t++) {
        inputs[row + t] = seq[t]!;
        targets[row + t] = t >= L ? seq[t + 1]! : IGNORE;
      }
    }
    return toBatch(inputs, targets, batchSize, T);
  }
}

export function createSequenceTask(config: SequenceTaskConfig): SequenceTask {
  return new SequenceTaskImpl(config);
}
