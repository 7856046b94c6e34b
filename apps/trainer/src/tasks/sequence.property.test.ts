// Property-based tests (fast-check): the structure of reverse/copy/sort batches over random seeds and layouts.
import { Generator } from '@lnlab/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCopyTask } from './copy';
import { createReverseTask } from './reverse';
import { createSortTask } from './sort';
import { copyOf, reverseOf, sequenceBatchProblem, sortedOf } from './test-helpers';

const SEED = 20261127;
const seed = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const batchSize = fc.integer({ min: 1, max: 8 });

describe('sequence tasks (property-based)', () => {
  it('reverse: every batch is well formed and reproducible', () => {
    const task = createReverseTask();
    fc.assert(
      fc.property(seed, batchSize, (s, b) => {
        const batch = task.sampleBatch(b, new Generator(s));
        expect(sequenceBatchProblem(batch, { symbols: 16, length: 8, answer: reverseOf })).toBeNull();
        expect(task.sampleBatch(b, new Generator(s)).inputs.data).toEqual(batch.inputs.data);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('copy and sort: well formed for any symbols and length', () => {
    const layout = fc.record({
      symbols: fc.integer({ min: 2, max: 80 }),
      length: fc.integer({ min: 1, max: 12 }),
      sort: fc.boolean(),
    });
    fc.assert(
      fc.property(layout, seed, batchSize, ({ symbols, length, sort }, s, b) => {
        const task = (sort ? createSortTask : createCopyTask)({ symbols, length });
        const batch = task.sampleBatch(b, new Generator(s));
        expect(batch.inputs.shape).toEqual([b, 2 * length]);
        expect(sequenceBatchProblem(batch, { symbols, length, answer: sort ? sortedOf : copyOf })).toBeNull();
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
