import { Generator } from '@lnlab/core';
import { describe, expect, it } from 'vitest';
import { TASKS, formatTaskList, isTaskName, listTasks, makeTask } from './index';

const TEXT = 'the quick brown fox jumps over the lazy dog. '.repeat(30);

describe('task registry', () => {
  it('lists the built-in tasks in order with descriptions and option docs', () => {
    expect(listTasks().map((t) => t.name)).toEqual(['reverse', 'copy', 'sort', 'modadd', 'chars']);
    expect(Object.keys(TASKS)).toEqual(['reverse', 'copy', 'sort', 'modadd', 'chars']);
    for (const spec of listTasks()) {
      expect(spec.description).not.toMatch(/\n/);
      expect(spec.description.length).toBeGreaterThan(10);
      for (const opt of spec.options) expect(opt.description.length).toBeGreaterThan(5);
    }
    expect(TASKS.reverse.options.map((o) => o.name)).toEqual(['evalSeed', 'evalSize']);
    expect(TASKS.chars.options.map((o) => o.name)).toEqual(['text', 'seqLen', 'evalSize']);
  });

  it('makes every task, whose name and description match the registry', () => {
    for (const spec of listTasks()) {
      const task = makeTask(spec.name, spec.name === 'chars' ? { text: TEXT, seqLen: 8 } : {});
      expect(task.name).toBe(spec.name);
      expect(task.description).toBe(spec.description);
      const batch = task.sampleBatch(2, new Generator(0));
      expect(batch.inputs.shape).toEqual([2, task.seqLen]);
      expect(batch.inputs.data.every((v) => v >= 0 && v < task.vocabSize)).toBe(true);
    }
  });

  it('passes options through and rejects unknown task names, listing the known ones', () => {
    expect(makeTask('copy', { length: 3 }).seqLen).toBe(6);
    expect(() => makeTask('revers')).toThrow("unknown task 'revers' (known tasks: reverse, copy, sort, modadd, chars)");
    expect(() => makeTask('toString')).toThrow(/unknown task 'toString'/);
    expect(isTaskName('modadd')).toBe(true);
    expect(isTaskName('constructor')).toBe(false);
    expect(() => makeTask('reverse', { evalSize: 0 })).toThrow('task reverse: evalSize must be a positive integer, got 0');
    expect(() => makeTask('reverse', null as never)).toThrow('task reverse: options must be an object, got null');
  });

  it('formats the listing for `lnlab tasks`', () => {
    const text = formatTaskList();
    for (const spec of listTasks()) {
      expect(text).toContain(spec.name);
      expect(text).toContain(spec.description);
    }
    expect(text).toMatch(/evalSeed\s+\(integer, default 1234\)/);
    expect(text).toMatch(/text\s+\(string, required\)/);
    expect(text).toMatch(/p\s+\(integer, default 97\)/);
  });
});
