// `reverse`: the reference task, fixed so results compare across frameworks. Do not add options or change defaults.
//
// 16 data symbols (ids 0..15) and a separator (id 16), vocabulary 17. A sequence is 8 uniform random symbols, the
// separator, then the 8 symbols reversed (17 tokens). The model reads seq[:-1] (T = 16) and predicts seq[1:]; only
// target positions 8..15 count (they predict seq[9..16], the reversed half); all others are IGNORE.
// Evaluation: 512 sequences from Generator(evalSeed = 1234), fixed and cached.
import { EVAL_SEED_OPTION, EVAL_SIZE_OPTION, checkOptions, intOption } from './options';
import type { OptionSpec, TaskOptions } from './options';
import { createSequenceTask } from './sequence';
import type { SequenceTask } from './sequence';

export const REVERSE_SYMBOLS = 16;
export const REVERSE_LENGTH = 8;
export const REVERSE_DESCRIPTION = 'reverse 8 random symbols (16 symbols + separator, T = 16; the reference task)';
export const REVERSE_OPTIONS: readonly OptionSpec[] = [EVAL_SEED_OPTION, EVAL_SIZE_OPTION];

export function createReverseTask(options: TaskOptions = {}): SequenceTask {
  const opts = checkOptions('reverse', options, REVERSE_OPTIONS);
  return createSequenceTask({
    name: 'reverse',
    description: REVERSE_DESCRIPTION,
    symbols: REVERSE_SYMBOLS,
    length: REVERSE_LENGTH,
    answer: (x) => [...x].reverse(),
    evalSeed: intOption('reverse', opts, EVAL_SEED_OPTION),
    evalSize: intOption('reverse', opts, EVAL_SIZE_OPTION),
  });
}
