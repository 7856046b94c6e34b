import { Generator } from '@lnlab/core';
import { describe, expect, it } from 'vitest';
import { createCharsTask, UNKNOWN_CHAR } from './chars';
import { IGNORE } from './task';
import { rows } from './test-helpers';

const PANGRAM = 'the quick brown fox jumps over the lazy dog. ';
/** 900 lowercase characters then 100 uppercase ones: the 90/10 split falls exactly on the case change. */
const SPLIT_TEXT = PANGRAM.repeat(20).slice(0, 900) + PANGRAM.toUpperCase().repeat(3).slice(0, 100);

describe('chars', () => {
  it('builds a sorted character vocabulary and decodes back to text', () => {
    const task = createCharsTask({ text: PANGRAM.repeat(40), seqLen: 16 });
    expect(task.name).toBe('chars');
    expect(task.vocab.join('')).toBe(' .abcdefghijklmnopqrstuvwxyz');
    expect(task.vocabSize).toBe(28);
    expect(task.seqLen).toBe(16);
    expect(task.decode(task.encode('lazy dog'))).toBe('lazy dog');
    expect(task.decode([0, 1, IGNORE, 28])).toBe(` .${UNKNOWN_CHAR}${UNKNOWN_CHAR}`);
    expect(() => task.encode('Z')).toThrow('task chars: character "Z" is not in the vocabulary');
  });

  it('splits 90/10 and defaults to seqLen 64', () => {
    const task = createCharsTask({ text: SPLIT_TEXT });
    expect([task.trainLength, task.evalLength, task.seqLen]).toEqual([900, 100, 64]);
  });

  it('samples next-character windows from the train split only', () => {
    const task = createCharsTask({ text: SPLIT_TEXT, seqLen: 16 });
    const { inputs, targets } = task.sampleBatch(200, new Generator(3));
    expect(inputs.shape).toEqual([200, 16]);
    expect(targets.shape).toEqual([200, 16]);
    expect(inputs.dtype).toBe('int32');
    expect(targets.dtype).toBe('int32');
    const tg = rows(targets);
    for (const [b, inp] of rows(inputs).entries()) {
      const t = tg[b]!;
      expect(t.every((v) => v >= 0 && v < task.vocabSize)).toBe(true); // every position counts
      expect(t.slice(0, 15)).toEqual(inp.slice(1)); // targets are the inputs shifted by one
      const window = task.decode([...inp, t[15]!]);
      expect(SPLIT_TEXT.slice(0, 900).includes(window)).toBe(true);
      expect(window).toBe(window.toLowerCase());
    }
    // Windows start at many different offsets.
    expect(new Set(rows(inputs).map((r) => task.decode(r))).size).toBeGreaterThan(30);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const task = createCharsTask({ text: SPLIT_TEXT, seqLen: 8 });
    expect(task.sampleBatch(16, new Generator(1)).inputs.data).toEqual(task.sampleBatch(16, new Generator(1)).inputs.data);
    expect(task.sampleBatch(16, new Generator(1)).inputs.data).not.toEqual(task.sampleBatch(16, new Generator(2)).inputs.data);
  });

  it('evaluates on every window of a small eval split, all from the last 10%', () => {
    const task = createCharsTask({ text: SPLIT_TEXT, seqLen: 16 });
    const ev = task.evalSet();
    expect(ev.inputs.shape).toEqual([100 - 16, 16]);
    const ins = rows(ev.inputs);
    const tg = rows(ev.targets);
    const evalText = SPLIT_TEXT.slice(900);
    ins.forEach((inp, i) => expect(task.decode([...inp, tg[i]![15]!])).toBe(evalText.slice(i, i + 17)));
    task.sampleBatch(8, new Generator(0));
    expect(task.evalSet()).toBe(ev);
    expect(createCharsTask({ text: SPLIT_TEXT, seqLen: 16 }).evalSet().inputs.data).toEqual(ev.inputs.data);
  });

  it('evaluates on at most evalSize evenly spaced windows covering the eval split', () => {
    const text = PANGRAM.repeat(200); // 9000 characters: eval split 900, 884 window starts
    const task = createCharsTask({ text, seqLen: 16 });
    const ev = task.evalSet();
    expect(ev.inputs.shape).toEqual([512, 16]);
    const ins = rows(ev.inputs);
    const tg = rows(ev.targets);
    expect(task.decode([...ins[0]!, tg[0]![15]!])).toBe(text.slice(8100, 8117));
    expect(task.decode([...ins[511]!, tg[511]![15]!])).toBe(text.slice(-17));
    expect(createCharsTask({ text, seqLen: 16, evalSize: 10 }).evalSet().inputs.shape).toEqual([10, 16]);
    expect(createCharsTask({ text, seqLen: 16, evalSize: 1 }).evalSet().inputs.shape).toEqual([1, 16]);
  });

  it('counts characters as code points', () => {
    const text = '🙂ab'.repeat(60);
    const task = createCharsTask({ text, seqLen: 4 });
    expect(task.vocab).toEqual(['a', 'b', '🙂']);
    expect(task.trainLength + task.evalLength).toBe(180);
    expect(task.decode(task.encode('ab🙂'))).toBe('ab🙂');
  });

  it('needs at least one window in each split, naming the sizes', () => {
    expect(() => createCharsTask({ text: 'x'.repeat(100), seqLen: 16 })).toThrow(
      'task chars: text too short for seqLen 16: its 100 characters split into 90 for training (first 90%) and 10 for ' +
        'evaluation (last 10%), but each split needs at least seqLen + 1 = 17; use a text of at least 161 characters ' +
        'or a smaller seqLen',
    );
    expect(() => createCharsTask({ text: 'x'.repeat(160), seqLen: 16 })).toThrow(/too short/);
    expect(createCharsTask({ text: 'x'.repeat(161), seqLen: 16 }).evalSet().inputs.shape).toEqual([1, 16]);
    expect(() => createCharsTask({ text: '' })).toThrow(/text too short for seqLen 64: its 0 characters/);
  });

  it('validates options', () => {
    expect(() => createCharsTask()).toThrow('task chars: option text is required');
    expect(() => createCharsTask({ text: 42 })).toThrow('task chars: text must be a string, got number 42');
    expect(() => createCharsTask({ text: SPLIT_TEXT, seqLen: 0 })).toThrow('task chars: seqLen must be a positive integer, got 0');
    expect(() => createCharsTask({ text: SPLIT_TEXT, evalSeed: 1 })).toThrow(
      "task chars: unknown option 'evalSeed' (chars takes: text, seqLen, evalSize)",
    );
    expect(() => createCharsTask({ text: SPLIT_TEXT }).sampleBatch(1.5, new Generator(0))).toThrow(
      'task chars: batchSize must be a positive integer, got 1.5',
    );
  });
});
