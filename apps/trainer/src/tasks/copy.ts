// `copy`: the `reverse` layout, but the answer repeats the input half in order: x | x.
import { EVAL_SEED_OPTION, EVAL_SIZE_OPTION, checkOptions, intOption } from './options';
import type { OptionSpec, TaskOptions } from './options';
import { LENGTH_OPTION, SYMBOLS_OPTION } from './layout-options';
import { createSequenceTask } from './sequence';
import type { SequenceTask } from './sequence';

export const COPY_DESCRIPTION = 'copy random symbols after a separator (default 8 of 16 symbols, T = 16)';
export const COPY_OPTIONS: readonly OptionSpec[] = [SYMBOLS_OPTION, LENGTH_OPTION, EVAL_SEED_OPTION, EVAL_SIZE_OPTION];

export function createCopyTask(options: TaskOptions = {}): SequenceTask {
  const opts = checkOptions('copy', options, COPY_OPTIONS);
  return createSequenceTask({
    name: 'copy',
    description: COPY_DESCRIPTION,
    symbols: intOption('copy', opts, SYMBOLS_OPTION),
    length: intOption('copy', opts, LENGTH_OPTION),
    answer: (x) => [...x],
    evalSeed: intOption('copy', opts, EVAL_SEED_OPTION),
    evalSize: intOption('copy', opts, EVAL_SIZE_OPTION),
  });
}
