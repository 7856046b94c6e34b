import { Generator } from '@lnlab/core';
import { describe, expect, it } from 'vitest';
import { createCopyTask } from './copy';
import { createSortTask } from './sort';
import { IGNORE } from './task';
import { copyOf, rows, sequenceBatchProblem, sortedOf } from './test-helpers';

const CASES = [
  { name: 'copy', create: createCopyTask, answer: copyOf },
  { name: 'sort', create: createSortTask, answer: sortedOf },
] as const;

describe.each(CASES)('$name', ({ name, create, answer }) => {
  it('defaults to 16 symbols and length 8 (vocabulary 17, T = 16)', () => {
    const task = create();
    expect(task.name).toBe(name);
    expect([task.vocabSize, task.seqLen, task.separator]).toEqual([17, 16, 16]);
    const batch = task.sampleBatch(64, new Generator(11));
    expect(batch.inputs.shape).toEqual([64, 16]);
    expect(batch.inputs.dtype).toBe('int32');
    expect(batch.targets.dtype).toBe('int32');
    expect(sequenceBatchProblem(batch, { symbols: 16, length: 8, answer })).toBeNull();
  });

  it('takes symbols and length', () => {
    const task = create({ symbols: 30, length: 5 });
    expect([task.vocabSize, task.seqLen, task.separator]).toEqual([31, 10, 30]);
    const batch = task.sampleBatch(100, new Generator(2));
    expect(batch.inputs.shape).toEqual([100, 10]);
    expect(sequenceBatchProblem(batch, { symbols: 30, length: 5, answer })).toBeNull();
    expect(task.decode(rows(batch.inputs)[0]!)).toMatch(/^[a-zA-D]{5}\|[a-zA-D]{4}$/);
  });

  it('is deterministic for a seed, differs across seeds, and keeps a fixed eval set', () => {
    const task = create();
    expect(task.sampleBatch(8, new Generator(1)).inputs.data).toEqual(task.sampleBatch(8, new Generator(1)).inputs.data);
    expect(task.sampleBatch(8, new Generator(1)).inputs.data).not.toEqual(task.sampleBatch(8, new Generator(2)).inputs.data);
    const ev = task.evalSet();
    task.sampleBatch(8, new Generator(1234));
    expect(task.evalSet()).toBe(ev);
    expect(ev.inputs.shape).toEqual([512, 16]);
    expect(create().evalSet().targets.data).toEqual(ev.targets.data);
    expect(create({ evalSeed: 1 }).evalSet().inputs.data).not.toEqual(ev.inputs.data);
  });

  it('validates options', () => {
    expect(() => create({ symbols: 1 })).toThrow(`task ${name}: symbols must be an integer ≥ 2, got 1`);
    expect(() => create({ length: 0 })).toThrow(`task ${name}: length must be a positive integer, got 0`);
    expect(() => create({ evalSize: -3 })).toThrow(`task ${name}: evalSize must be a positive integer, got -3`);
    expect(() => create({ lenght: 4 })).toThrow(`task ${name}: unknown option 'lenght' (${name} takes: symbols, length, evalSeed, evalSize)`);
  });

  it('decodes with numbers when there are more than 52 symbols', () => {
    const task = create({ symbols: 100, length: 2 });
    expect(task.decode([0, 99, 100, IGNORE])).toBe('0 99 | _');
  });
});

describe('copy and sort answers', () => {
  it('copy repeats the input half; sort orders it, keeping repeats', () => {
    const copy = rows(createCopyTask().sampleBatch(4, new Generator(9)).targets);
    const ci = rows(createCopyTask().sampleBatch(4, new Generator(9)).inputs);
    expect(copy.map((r) => r.slice(8))).toEqual(ci.map((r) => r.slice(0, 8)));
    const sorted = rows(createSortTask({ symbols: 3 }).sampleBatch(50, new Generator(9)).targets).map((r) => r.slice(8));
    for (const r of sorted) for (let i = 1; i < r.length; i++) expect(r[i]!).toBeGreaterThanOrEqual(r[i - 1]!);
    expect(sorted.some((r) => new Set(r).size < r.length)).toBe(true);
  });
});
