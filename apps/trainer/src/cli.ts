// The `lnlab` command line: train, sweep, report, tasks. Flags map onto RunConfig keys; the config is validated
// by its zod schema plus cross-field checks, and every problem is reported with how to fix it.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, NORMS, OPTIMIZERS, PLACEMENTS, SCHEDULES, parseRunConfig, variantLabel } from './config';
import type { RunConfig, RunConfigInput } from './config';
import { PRESETS, expandSweep, loadSweepSpec } from './presets';
import { progressView } from './progress';
import { writeReport } from './report/index';
import { runSweep } from './sweep';
import { formatTaskList } from './tasks/index';
import { runId, runTraining } from './train';
import type { RunSummary } from './schema';

const num = (flag: string) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} needs a number, got "${v}"`);
  return n;
};
const int = (flag: string) => (v: string): number => {
  const n = num(flag)(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${flag} needs an integer, got "${v}"`);
  return n;
};

/** Flag → config key, with the parser for its value. Shared by `train` and `sweep` (overrides). */
const FLAGS: { flags: string; key: keyof RunConfig; help: string; parse?: (v: string) => unknown; choices?: readonly string[] }[] = [
  { flags: '--task <name>', key: 'task', help: 'task (lnlab tasks lists them)' },
  { flags: '--d-model <n>', key: 'dModel', help: 'model width', parse: int('--d-model') },
  { flags: '--n-head <n>', key: 'nHead', help: 'attention heads (must divide --d-model)', parse: int('--n-head') },
  { flags: '--dim-feedforward <n>', key: 'dimFeedforward', help: 'FFN width', parse: int('--dim-feedforward') },
  { flags: '--layers <n>', key: 'layers', help: 'encoder layers', parse: int('--layers') },
  { flags: '--dropout <p>', key: 'dropout', help: 'dropout probability', parse: num('--dropout') },
  { flags: '--activation <name>', key: 'activation', help: 'FFN activation', choices: ['relu', 'gelu', 'gelu-tanh'] },
  { flags: '--norm <kind>', key: 'norm', help: 'normalization kind', choices: NORMS },
  { flags: '--placement <where>', key: 'placement', help: 'norm placement: post (original), pre, sandwich', choices: PLACEMENTS },
  { flags: '--ln-variance <kind>', key: 'lnVariance', help: "LayerNorm variance: biased (PyTorch) or unbiased (tutorial)", choices: ['biased', 'unbiased'] },
  { flags: '--ln-eps-placement <where>', key: 'lnEpsPlacement', help: 'LayerNorm ε: inside √(σ²+ε) (PyTorch) or outside σ+ε', choices: ['inside', 'outside'] },
  { flags: '--ln-eps <eps>', key: 'lnEps', help: 'normalization ε', parse: num('--ln-eps') },
  { flags: '--dyt-alpha-init <a>', key: 'dytAlphaInit', help: "DyT's initial α", parse: num('--dyt-alpha-init') },
  { flags: '--optimizer <name>', key: 'optimizer', help: 'optimizer', choices: OPTIMIZERS },
  { flags: '--lr <lr>', key: 'lr', help: 'peak learning rate', parse: num('--lr') },
  { flags: '--beta1 <b>', key: 'beta1', help: 'Adam β1', parse: num('--beta1') },
  { flags: '--beta2 <b>', key: 'beta2', help: 'Adam β2', parse: num('--beta2') },
  { flags: '--adam-eps <eps>', key: 'adamEps', help: 'Adam ε', parse: num('--adam-eps') },
  { flags: '--weight-decay <wd>', key: 'weightDecay', help: 'weight decay (L2 for adam/sgd, decoupled for adamw)', parse: num('--weight-decay') },
  { flags: '--momentum <m>', key: 'momentum', help: 'SGD momentum', parse: num('--momentum') },
  { flags: '--warmup <steps>', key: 'warmupSteps', help: 'linear warmup steps', parse: int('--warmup') },
  { flags: '--schedule <name>', key: 'schedule', help: 'lr schedule after warmup', choices: SCHEDULES },
  { flags: '--clip <norm>', key: 'clipGradNorm', help: 'clip the global gradient norm (0 = off)', parse: num('--clip') },
  { flags: '--batch-size <n>', key: 'batchSize', help: 'sequences per step', parse: int('--batch-size') },
  { flags: '--steps <n>', key: 'steps', help: 'training steps', parse: int('--steps') },
  { flags: '--eval-interval <n>', key: 'evalInterval', help: 'evaluate every n steps', parse: int('--eval-interval') },
  { flags: '--log-interval <n>', key: 'logInterval', help: 'telemetry every n steps', parse: int('--log-interval') },
  { flags: '--divergence-loss <x>', key: 'divergenceLoss', help: 'stop as diverged above this loss', parse: num('--divergence-loss') },
  { flags: '--checkpoint-every <n>', key: 'checkpointEvery', help: 'write a checkpoint every n steps (0 = never)', parse: int('--checkpoint-every') },
];

function addConfigFlags(cmd: Command): Command {
  for (const f of FLAGS) {
    const o = new Option(f.flags, f.help);
    if (f.choices) o.choices(f.choices as string[]);
    if (f.parse) o.argParser(f.parse);
    cmd.addOption(o);
  }
  cmd.option('--final-norm', 'a final norm before the head (default: on unless --placement post)');
  cmd.option('--no-final-norm', 'no final norm before the head');
  cmd.option('--task-option <key=value...>', 'a task option, e.g. p=97 for modadd (repeatable)');
  cmd.option('--text-file <path>', 'the text for the chars task');
  return cmd;
}

/** The config settings given on the command line (camelCase option values → RunConfig keys). */
function flagsToConfig(opts: Record<string, unknown>): Partial<RunConfigInput> {
  const out: Record<string, unknown> = {};
  for (const f of FLAGS) {
    const name = f.flags.split(' ')[0]!.slice(2).replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    if (opts[name] !== undefined) out[f.key] = opts[name];
  }
  if (opts.finalNorm !== undefined) out.finalNorm = opts.finalNorm;
  const taskOptions: Record<string, unknown> = {};
  for (const kv of (opts.taskOption as string[] | undefined) ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new ConfigError([`--task-option "${kv}" must look like key=value`]);
    taskOptions[kv.slice(0, i)] = kv.slice(i + 1);
  }
  if (typeof opts.textFile === 'string') {
    if (!existsSync(opts.textFile)) throw new ConfigError([`--text-file ${opts.textFile}: no such file`]);
    taskOptions.text = readFileSync(opts.textFile, 'utf8');
  }
  if (Object.keys(taskOptions).length) out.taskOptions = taskOptions;
  return out as Partial<RunConfigInput>;
}

function parseSeeds(v: string): number[] {
  const seeds = v.split(',').map((s) => Number(s.trim()));
  if (!seeds.length || seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new InvalidArgumentError(`--seeds needs non-negative integers like 0,1,2, got "${v}"`);
  return seeds;
}

function summaryLine(s: RunSummary): string {
  const state = s.diverged ? `DIVERGED at step ${s.divergedAt} (${s.divergedReason})` : s.stepsTo90 !== null ? `solved: 90% eval accuracy at step ${s.stepsTo90}` : 'not solved';
  const acc = s.finalEvalAccuracy === null ? '–' : `${(s.finalEvalAccuracy * 100).toFixed(1)}%`;
  return `${s.id}: ${state}; final eval acc ${acc}, ${s.wallTimeSec.toFixed(1)} s`;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('lnlab')
    .description('LN Lab: train tiny Transformers and see how normalization shapes convergence')
    .exitOverride()
    .showSuggestionAfterError()
    .showHelpAfterError('(run with --help for usage)');

  addConfigFlags(
    program
      .command('train')
      .description('train one model (or one per --seeds value)')
      .option('--config <file.json>', 'read settings from a JSON file (flags override it)')
      .option('--seed <n>', 'random seed', int('--seed'))
      .option('--seeds <list>', 'several seeds, e.g. 0,1,2 (one run each)', parseSeeds)
      .option('--out <dir>', 'output folder', 'runs')
      .option('--resume <runDir>', 'continue the run in runDir from its checkpoint'),
  ).action((opts: Record<string, unknown>) => {
    const view = progressView();
    if (typeof opts.resume === 'string') {
      const dir = resolve(opts.resume);
      const config = parseRunConfig(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')));
      view.start(0, `${runId(config)} (resumed)`, config.steps);
      const s = runTraining(config, { dir, resume: true, onProgress: (p) => view.update(0, p.step, p.loss, p.evalAccuracy) });
      view.finish(0, summaryLine(s));
      view.stop();
      console.log(`run folder: ${dir}`);
      return;
    }
    const fromFile = typeof opts.config === 'string' ? (JSON.parse(readFileSync(opts.config, 'utf8')) as Record<string, unknown>) : {};
    const seeds = (opts.seeds as number[] | undefined) ?? [((opts.seed as number | undefined) ?? (fromFile.seed as number | undefined) ?? 0)];
    const configs = seeds.map((seed) => parseRunConfig({ ...fromFile, ...flagsToConfig(opts), seed }));
    configs.forEach((config, i) => {
      const dir = resolve(String(opts.out), runId(config));
      view.start(i, runId(config), config.steps);
      const s = runTraining(config, { dir, onProgress: (p) => view.update(i, p.step, p.loss, p.evalAccuracy) });
      view.finish(i, summaryLine(s));
      console.log(`run folder: ${dir}`);
    });
    view.stop();
  });

  addConfigFlags(
    program
      .command('sweep')
      .description(`run a grid of runs in parallel and write a report (presets: ${Object.keys(PRESETS).join(', ')}; or a .json sweep file)`)
      .argument('<preset-or-file>', 'a preset name or a sweep JSON file')
      .option('--out <dir>', 'output folder (the sweep goes in <out>/<name>)', 'runs')
      .option('--workers <n>', 'worker threads (default: one per core)', int('--workers'))
      .option('--seeds <list>', 'override the seeds, e.g. 0,1', parseSeeds)
      .option('--no-report', 'skip writing the report'),
  ).action(async (target: string, opts: Record<string, unknown>) => {
    const spec = { ...loadSweepSpec(target) };
    if (opts.seeds) spec.seeds = opts.seeds as number[];
    const configs = expandSweep(spec, flagsToConfig(opts));
    const dir = resolve(String(opts.out), spec.name);
    const workers = (opts.workers as number | undefined) ?? availableParallelism();
    console.log(`sweep ${spec.name}: ${configs.length} runs on ${workers} worker(s) → ${dir}`);
    const view = progressView();
    const started = new Set<number>();
    const result = await runSweep(spec, configs, dir, workers, {
      onRunProgress: (i, step, steps, loss, acc) => {
        if (!started.has(i)) {
          started.add(i);
          view.start(i, `${variantLabel(configs[i]!)} lr ${configs[i]!.lr} w${configs[i]!.warmupSteps} s${configs[i]!.seed}`, steps);
        }
        view.update(i, step, loss, acc);
      },
      onRunDone: (i, s) => view.finish(i, summaryLine(s)),
      onRunError: (i, message) => view.finish(i, `${runId(configs[i]!)}: FAILED — ${message.split('\n')[0]}`),
    });
    view.stop();
    console.log(`sweep finished in ${result.wallTimeSec.toFixed(1)} s`);
    if (opts.report !== false) {
      const paths = await writeReport(dir);
      console.log(`report: ${paths.htmlPath}`);
      console.log(`        ${paths.mdPath}`);
    }
  });

  program
    .command('report')
    .description('(re)build report.html and report.md from the runs in a sweep folder')
    .argument('<dir>', 'a sweep folder')
    .action(async (dir: string) => {
      if (!existsSync(dir)) throw new ConfigError([`report: no folder ${dir}`]);
      const paths = await writeReport(resolve(dir));
      console.log(`report: ${paths.htmlPath}\n        ${paths.mdPath}`);
    });

  program
    .command('tasks')
    .description('list the built-in tasks and their options')
    .action(() => console.log(formatTaskList()));

  return program;
}

/** Runs the CLI; user errors print a clear message and exit 2 (no stack trace). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    const err = e as Error & { code?: string; exitCode?: number };
    if (err.code?.startsWith('commander.')) return err.exitCode ?? 2;
    if (err instanceof ConfigError || /^(unknown task|task |unknown sweep|sweep |resume: )/.test(err.message)) {
      console.error(`lnlab: ${err.message}`);
      return 2;
    }
    throw e;
  }
}
