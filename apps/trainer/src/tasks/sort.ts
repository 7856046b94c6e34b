// `sort`: the `reverse` layout, but the answer is the input half sorted ascending (repeats kept): x | sorted(x).
import { EVAL_SEED_OPTION, EVAL_SIZE_OPTION, checkOptions, intOption } from './options';
import type { OptionSpec, TaskOptions } from './options';
import { LENGTH_OPTION, SYMBOLS_OPTION } from './layout-options';
import { createSequenceTask } from './sequence';
import type { SequenceTask } from './sequence';

export const SORT_DESCRIPTION = 'sort random symbols ascending after a separator (default 8 of 16 symbols, T = 16)';
export const SORT_OPTIONS: readonly OptionSpec[] = [SYMBOLS_OPTION, LENGTH_OPTION, EVAL_SEED_OPTION, EVAL_SIZE_OPTION];

export function createSortTask(options: TaskOptions = {}): SequenceTask {
  const opts = checkOptions('sort', options, SORT_OPTIONS);
  return createSequenceTask({
    name: 'sort',
    description: SORT_DESCRIPTION,
    symbols: intOption('sort', opts, SYMBOLS_OPTION),
    length: intOption('sort', opts, LENGTH_OPTION),
    answer: (x) => [...x].sort((a, b) => a - b),
    evalSeed: intOption('sort', opts, EVAL_SEED_OPTION),
    evalSize: intOption('sort', opts, EVAL_SIZE_OPTION),
  });
}
