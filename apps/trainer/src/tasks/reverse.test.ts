import { Generator } from '@lnlab/core';
import { describe, expect, it } from 'vitest';
import { createReverseTask } from './reverse';
import { IGNORE } from './task';
import { reverseOf, rows, sequenceBatchProblem } from './test-helpers';

const LAYOUT = { symbols: 16, length: 8, answer: reverseOf };

describe('reverse', () => {
  it('has the reference layout: 16 symbols + separator 16, vocabulary 17, T = 16', () => {
    const task = createReverseTask();
    expect(task.name).toBe('reverse');
    expect(task.vocabSize).toBe(17);
    expect(task.seqLen).toBe(16);
    expect(task.symbols).toBe(16);
    expect(task.length).toBe(8);
    expect(task.separator).toBe(16);
  });

  it('samples int32 [B, 16] batches with every id in the vocabulary or IGNORE', () => {
    const { inputs, targets } = createReverseTask().sampleBatch(64, new Generator(7));
    expect(inputs.shape).toEqual([64, 16]);
    expect(targets.shape).toEqual([64, 16]);
    expect(inputs.dtype).toBe('int32');
    expect(targets.dtype).toBe('int32');
    expect(inputs.data).toBeInstanceOf(Int32Array);
    expect(inputs.data.every((v) => v >= 0 && v < 17)).toBe(true);
    expect(targets.data.every((v) => v === IGNORE || (v >= 0 && v < 16))).toBe(true);
  });

  it('has exactly the reverse structure (re-derived from the inputs)', () => {
    const batch = createReverseTask().sampleBatch(128, new Generator(1));
    expect(sequenceBatchProblem(batch, LAYOUT)).toBeNull();
    for (const [b, inp] of rows(batch.inputs).entries()) {
      const tgt = rows(batch.targets)[b]!;
      expect(inp[8]).toBe(16);
      expect(tgt.slice(0, 8)).toEqual(new Array(8).fill(IGNORE));
      expect(tgt.slice(8)).toEqual(inp.slice(0, 8).reverse());
      expect(tgt.filter((v) => v !== IGNORE)).toHaveLength(8);
      // The full 17-token sequence: inputs plus the last target.
      const seq = [...inp, tgt[15]!];
      expect(seq.slice(9)).toEqual(seq.slice(0, 8).reverse());
    }
  });

  it('the structure check itself catches a wrong answer or a moved separator', () => {
    const batch = createReverseTask().sampleBatch(8, new Generator(1));
    expect(sequenceBatchProblem(batch, { ...LAYOUT, answer: (x) => [...x] })).toMatch(/target\[8\]/);
    batch.inputs.data[8] = 0;
    expect(sequenceBatchProblem(batch, LAYOUT)).toMatch(/row 0: separator missing at input position 8/);
  });

  it('uses all 16 symbols', () => {
    const { inputs } = createReverseTask().sampleBatch(64, new Generator(3));
    const seen = new Set(rows(inputs).flatMap((r) => r.slice(0, 8)));
    expect(seen.size).toBe(16);
  });

  it('is deterministic for a generator state and differs across seeds', () => {
    const task = createReverseTask();
    const a = task.sampleBatch(16, new Generator(42));
    const b = task.sampleBatch(16, new Generator(42));
    const c = task.sampleBatch(16, new Generator(43));
    expect(b.inputs.data).toEqual(a.inputs.data);
    expect(b.targets.data).toEqual(a.targets.data);
    expect(c.inputs.data).not.toEqual(a.inputs.data);

    const gen = new Generator(5);
    const state = gen.getState();
    const first = task.sampleBatch(8, gen);
    const second = task.sampleBatch(8, gen);
    expect(second.inputs.data).not.toEqual(first.inputs.data);
    gen.setState(state);
    expect(task.sampleBatch(8, gen).inputs.data).toEqual(first.inputs.data);
  });

  it('pins the generated stream (comparability with other frameworks)', () => {
    const task = createReverseTask();
    expect(rows(task.sampleBatch(2, new Generator(0)).inputs).map((r) => task.decode(r))).toEqual([
      'iehdkpeg|gepkdhe',
      'pjafplhp|phlpfaj',
    ]);
    const ev = task.evalSet();
    expect(task.decode(rows(ev.inputs)[0]!)).toBe('ffdeemlf|flmeedf');
    expect(task.decode(rows(ev.targets)[0]!)).toBe('________flmeedff');
    expect(task.decode(rows(ev.inputs)[511]!)).toBe('kdpnlind|dnilnpd');
  });

  it('has a fixed eval set of 512 from evalSeed 1234, independent of training generators', () => {
    const task = createReverseTask();
    const gen = new Generator(1234);
    const before = task.evalSet();
    task.sampleBatch(32, gen);
    const after = task.evalSet();
    expect(after).toBe(before); // cached
    expect(before.inputs.shape).toEqual([512, 16]);
    expect(sequenceBatchProblem(before, LAYOUT)).toBeNull();

    // A fresh task (no training at all) gives the same set; it is what a Generator(1234) yields from its start.
    const fresh = createReverseTask().evalSet();
    expect(fresh.inputs.data).toEqual(before.inputs.data);
    expect(fresh.targets.data).toEqual(before.targets.data);
    expect(createReverseTask().sampleBatch(512, new Generator(1234)).inputs.data).toEqual(before.inputs.data);
    // ...and differs from training batches of other seeds.
    expect(createReverseTask().sampleBatch(512, new Generator(0)).inputs.data).not.toEqual(before.inputs.data);
  });

  it('takes evalSeed and evalSize', () => {
    const base = createReverseTask().evalSet();
    const other = createReverseTask({ evalSeed: 99, evalSize: 64 }).evalSet();
    expect(other.inputs.shape).toEqual([64, 16]);
    expect(other.inputs.data).not.toEqual(base.inputs.data.subarray(0, 64 * 16));
    expect(createReverseTask({ evalSize: '32' }).evalSet().inputs.shape).toEqual([32, 16]);
    expect(createReverseTask({ evalSize: undefined }).evalSet().inputs.shape).toEqual([512, 16]);
  });

  it('validates options and batch sizes with clear messages', () => {
    expect(() => createReverseTask({ evalSize: 0 })).toThrow('task reverse: evalSize must be a positive integer, got 0');
    expect(() => createReverseTask({ evalSize: 2.5 })).toThrow('task reverse: evalSize must be a positive integer, got 2.5');
    expect(() => createReverseTask({ evalSize: 'many' })).toThrow('task reverse: evalSize must be a positive integer, got "many"');
    expect(() => createReverseTask({ evalSize: 1e9 })).toThrow(/task reverse: evalSize must be at most 1048576, got 1000000000/);
    expect(() => createReverseTask({ evalSeed: -1 })).toThrow('task reverse: evalSeed must be a non-negative integer, got -1');
    expect(() => createReverseTask({ symbols: 8 })).toThrow("task reverse: unknown option 'symbols' (reverse takes: evalSeed, evalSize)");
    const task = createReverseTask();
    expect(() => task.sampleBatch(0, new Generator(0))).toThrow('task reverse: batchSize must be a positive integer, got 0');
  });

  it('decodes symbols as letters a–p, the separator as |, IGNORE as _', () => {
    const task = createReverseTask();
    expect(task.decode([0, 1, 15, 16, IGNORE, 99])).toBe('abp|_?');
  });
});
