// The task interface every built-in task implements: seeded, generated on the fly, deterministic for a seed.
import type { Generator, Tensor } from '@lnlab/core';

/** Targets equal to this are ignored by the loss and by accuracy (PyTorch's default ignore_index). */
export const IGNORE = -100;

export interface TaskBatch {
  /** int32 [B, T]: what the model reads. */
  inputs: Tensor;
  /** int32 [B, T]: the next token to predict at each position, IGNORE where it does not count. */
  targets: Tensor;
}

export interface Task {
  readonly name: string;
  readonly description: string;
  readonly vocabSize: number;
  /** T, the model's input length (e.g. 16 for `reverse`). */
  readonly seqLen: number;
  /** A fresh training batch drawn from `gen` (deterministic for the generator's state). */
  sampleBatch(batchSize: number, gen: Generator): TaskBatch;
  /** The fixed evaluation set (same on every call; built from its own seed, separate from training data). */
  evalSet(): TaskBatch;
  /** Human-readable tokens, for examples in logs and reports. */
  decode(tokens: readonly number[]): string;
}
