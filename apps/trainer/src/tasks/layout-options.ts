// The `symbols` and `length` options shared by `copy` and `sort`.
import type { IntOptionSpec } from './options';

export const SYMBOLS_OPTION: IntOptionSpec = {
  name: 'symbols',
  type: 'integer',
  default: 16,
  min: 2,
  max: 65535,
  description: 'number of data symbols (ids 0..symbols-1; the separator is id symbols)',
};

export const LENGTH_OPTION: IntOptionSpec = {
  name: 'length',
  type: 'integer',
  default: 8,
  min: 1,
  max: 4096,
  description: 'length of the input half and of the answer (T = 2 * length)',
};
