// The registry of built-in tasks: name → factory, one-line description and documented options.
import { createCharsTask, CHARS_DESCRIPTION, CHARS_OPTIONS } from './chars';
import { createCopyTask, COPY_DESCRIPTION, COPY_OPTIONS } from './copy';
import { createModAddTask, MODADD_DESCRIPTION, MODADD_OPTIONS } from './modadd';
import { createReverseTask, REVERSE_DESCRIPTION, REVERSE_OPTIONS } from './reverse';
import { createSortTask, SORT_DESCRIPTION, SORT_OPTIONS } from './sort';
import type { OptionSpec, TaskOptions } from './options';
import type { Task } from './task';

export { IGNORE } from './task';
export type { Task, TaskBatch } from './task';
export type { TaskOptions, OptionSpec, IntOptionSpec, StringOptionSpec } from './options';
export { DEFAULT_EVAL_SEED, DEFAULT_EVAL_SIZE } from './options';
export { createReverseTask, REVERSE_SYMBOLS, REVERSE_LENGTH } from './reverse';
export { createCopyTask } from './copy';
export { createSortTask } from './sort';
export { createModAddTask } from './modadd';
export type { ModAddTask } from './modadd';
export { createCharsTask } from './chars';
export type { CharsTask } from './chars';
export { decodeSymbols } from './sequence';
export type { SequenceTask } from './sequence';

export interface TaskSpec {
  readonly name: string;
  /** One line, for `lnlab tasks`. */
  readonly description: string;
  /** Every option the task accepts (any other key is an error). */
  readonly options: readonly OptionSpec[];
  readonly create: (options?: TaskOptions) => Task;
}

/** The built-in tasks, in the order `lnlab tasks` lists them. */
export const TASKS = Object.freeze({
  reverse: { name: 'reverse', description: REVERSE_DESCRIPTION, options: REVERSE_OPTIONS, create: createReverseTask },
  copy: { name: 'copy', description: COPY_DESCRIPTION, options: COPY_OPTIONS, create: createCopyTask },
  sort: { name: 'sort', description: SORT_DESCRIPTION, options: SORT_OPTIONS, create: createSortTask },
  modadd: { name: 'modadd', description: MODADD_DESCRIPTION, options: MODADD_OPTIONS, create: createModAddTask },
  chars: { name: 'chars', description: CHARS_DESCRIPTION, options: CHARS_OPTIONS, create: createCharsTask },
} as const satisfies Record<string, TaskSpec>);

export type TaskName = keyof typeof TASKS;

export function isTaskName(name: string): name is TaskName {
  return Object.hasOwn(TASKS, name);
}

/** Builds the task `name` with `options`; throws for an unknown name (listing the known ones) or bad options. */
export function makeTask(name: string, options: TaskOptions = {}): Task {
  if (!isTaskName(name)) {
    throw new Error(`unknown task '${name}' (known tasks: ${Object.keys(TASKS).join(', ')})`);
  }
  return TASKS[name].create(options);
}

/** The registered tasks in listing order. */
export function listTasks(): TaskSpec[] {
  return Object.values(TASKS);
}

function describeOption(spec: OptionSpec): string {
  if (spec.type === 'string') return `string${spec.required ? ', required' : ''}`;
  return `integer, default ${spec.default}`;
}

/** Plain-text listing for `lnlab tasks`: one line per task, then its options indented. */
export function formatTaskList(): string {
  const tasks = listTasks();
  const nameWidth = Math.max(...tasks.map((t) => t.name.length));
  const lines: string[] = [];
  for (const task of tasks) {
    lines.push(`${task.name.padEnd(nameWidth)}  ${task.description}`);
    const optWidth = Math.max(0, ...task.options.map((o) => o.name.length));
    for (const opt of task.options) {
      lines.push(`${' '.repeat(nameWidth + 2)}${opt.name.padEnd(optWidth)}  (${describeOption(opt)}) ${opt.description}`);
    }
  }
  return lines.join('\n');
}
