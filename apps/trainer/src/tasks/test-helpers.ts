// Helpers for the task tests: rows of a batch as plain arrays, and a structural check of `x | f(x)` batches.
import type { Tensor } from '@lnlab/core';
import { IGNORE } from './task';
import type { TaskBatch } from './task';

/** The rows of an int32 [B, T] tensor as plain arrays. */
export function rows(t: Tensor): number[][] {
  if (t.shape.length !== 2) throw new Error(`rows: expected a 2-d tensor, got shape [${t.shape.join(',')}]`);
  const [B, T] = t.shape as [number, number];
  return Array.from({ length: B }, (_, b) => Array.from(t.data.subarray(b * T, (b + 1) * T)));
}

export interface SequenceLayout {
  symbols: number;
  length: number;
  answer: (x: readonly number[]) => number[];
}

/**
 * The first problem found in a batch of a sequence task, or null if it is well formed: int32 [B, 2L]; input
 * positions 0..L−1 hold data symbols, position L the separator, L+1..2L−1 the answer's first L−1 tokens; targets
 * are IGNORE at 0..L−1 and exactly f(x) at L..2L−1 (re-derived from the inputs).
 */
export function sequenceBatchProblem(batch: TaskBatch, layout: SequenceLayout): string | null {
  const { symbols: S, length: L, answer } = layout;
  const T = 2 * L;
  for (const [label, t] of [['inputs', batch.inputs], ['targets', batch.targets]] as const) {
    if (t.dtype !== 'int32') return `${label} dtype ${t.dtype}`;
    if (t.shape.length !== 2 || t.shape[1] !== T) return `${label} shape [${t.shape.join(',')}]`;
  }
  if (batch.inputs.shape[0] !== batch.targets.shape[0]) return 'batch sizes differ';
  const inRows = rows(batch.inputs);
  const tgRows = rows(batch.targets);
  for (let b = 0; b < inRows.length; b++) {
    const inp = inRows[b]!;
    const tgt = tgRows[b]!;
    const x = inp.slice(0, L);
    if (x.some((v) => !Number.isInteger(v) || v < 0 || v >= S)) return `row ${b}: input half ${x} not in [0, ${S})`;
    if (inp[L] !== S) return `row ${b}: separator missing at input position ${L}`;
    const y = answer(x);
    const expected = [...new Array<number>(L).fill(IGNORE), ...y];
    for (let t = 0; t < T; t++) {
      if (tgt[t] !== expected[t]) return `row ${b}: target[${t}] = ${tgt[t]}, expected ${expected[t]}`;
    }
    // The model reads the answer shifted by one: input L+1+i is answer token i.
    for (let i = 0; i < L - 1; i++) {
      if (inp[L + 1 + i] !== y[i]) return `row ${b}: input[${L + 1 + i}] = ${inp[L + 1 + i]}, expected ${y[i]}`;
    }
    const counted = tgt.filter((v) => v !== IGNORE).length;
    if (counted !== L) return `row ${b}: ${counted} counted positions, expected ${L}`;
  }
  return null;
}

export const reverseOf = (x: readonly number[]): number[] => [...x].reverse();
export const copyOf = (x: readonly number[]): number[] => [...x];
export const sortedOf = (x: readonly number[]): number[] => [...x].sort((a, b) => a - b);
