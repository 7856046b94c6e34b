import { Generator } from '@lnlab/core';
import { describe, expect, it } from 'vitest';
import { createModAddTask } from './modadd';
import { IGNORE } from './task';
import type { Task } from './task';
import { rows } from './test-helpers';

function pairsOf(task: Task): [number, number][] {
  return rows(task.evalSet().inputs).map((r) => [r[0]!, r[1]!]);
}

describe('modadd', () => {
  it('defaults to p = 97: vocabulary 98 with = as 97, T = 3', () => {
    const task = createModAddTask();
    expect([task.name, task.p, task.equals, task.vocabSize, task.seqLen]).toEqual(['modadd', 97, 97, 98, 3]);
  });

  it('samples [a, b, =] → [_, _, (a + b) mod p] as int32 [B, 3]', () => {
    const task = createModAddTask();
    const { inputs, targets } = task.sampleBatch(256, new Generator(4));
    expect(inputs.shape).toEqual([256, 3]);
    expect(targets.shape).toEqual([256, 3]);
    expect(inputs.dtype).toBe('int32');
    expect(targets.dtype).toBe('int32');
    const tg = rows(targets);
    for (const [i, [a, b, eq]] of rows(inputs).entries()) {
      expect(a! >= 0 && a! < 97 && b! >= 0 && b! < 97).toBe(true);
      expect(eq).toBe(97);
      expect(tg[i]).toEqual([IGNORE, IGNORE, (a! + b!) % 97]);
    }
    expect(new Set(rows(inputs).map((r) => r[0])).size).toBeGreaterThan(80); // uniform over [0, 97)
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const task = createModAddTask();
    expect(task.sampleBatch(32, new Generator(8)).inputs.data).toEqual(task.sampleBatch(32, new Generator(8)).inputs.data);
    expect(task.sampleBatch(32, new Generator(8)).inputs.data).not.toEqual(task.sampleBatch(32, new Generator(9)).inputs.data);
  });

  it('has a fixed eval set of 512 distinct pairs, independent of training', () => {
    const task = createModAddTask();
    const ev = task.evalSet();
    task.sampleBatch(64, new Generator(1234));
    expect(task.evalSet()).toBe(ev);
    expect(ev.inputs.shape).toEqual([512, 3]);
    const pairs = pairsOf(task);
    expect(new Set(pairs.map(([a, b]) => a * 97 + b)).size).toBe(512);
    const tg = rows(ev.targets);
    pairs.forEach(([a, b], i) => expect(tg[i]).toEqual([IGNORE, IGNORE, (a + b) % 97]));
    expect(createModAddTask().evalSet().inputs.data).toEqual(ev.inputs.data);
    expect(createModAddTask({ evalSeed: 5 }).evalSet().inputs.data).not.toEqual(ev.inputs.data);
  });

  it('uses all p² pairs, in order, when p² ≤ evalSize', () => {
    const small = createModAddTask({ p: 13 });
    expect(small.vocabSize).toBe(14);
    const pairs = pairsOf(small);
    expect(pairs).toHaveLength(169);
    expect(pairs[0]).toEqual([0, 0]);
    expect(pairs[14]).toEqual([1, 1]);
    expect(pairs[168]).toEqual([12, 12]);
    expect(pairsOf(createModAddTask({ p: 22 }))).toHaveLength(484);
    const p23 = pairsOf(createModAddTask({ p: 23 }));
    expect(p23).toHaveLength(512);
    expect(new Set(p23.map(([a, b]) => a * 23 + b)).size).toBe(512);
    expect(pairsOf(createModAddTask({ p: 5, evalSize: 10 }))).toHaveLength(10);
  });

  it('validates options', () => {
    expect(() => createModAddTask({ p: 1 })).toThrow('task modadd: p must be an integer ≥ 2, got 1');
    expect(() => createModAddTask({ p: 100000 })).toThrow('task modadd: p must be at most 65536, got 100000');
    expect(() => createModAddTask({ evalSize: 0 })).toThrow('task modadd: evalSize must be a positive integer, got 0');
    expect(() => createModAddTask({ q: 7 })).toThrow("task modadd: unknown option 'q' (modadd takes: p, evalSeed, evalSize)");
    expect(() => createModAddTask().sampleBatch(-1, new Generator(0))).toThrow('task modadd: batchSize must be a positive integer, got -1');
  });

  it('decodes numbers and =', () => {
    expect(createModAddTask().decode([3, 95, 97, 1])).toBe('3 95 = 1');
    expect(createModAddTask().decode([IGNORE, 200])).toBe('_ ?');
  });
});
