// The run configuration: one zod schema (defaults, types, ranges) plus cross-field checks whose messages say
// how to fix the config. config.json of every run is this object.
import { z } from 'zod';

export const NORMS = ['layernorm', 'rmsnorm', 'dyt', 'batchnorm', 'none'] as const;
export const PLACEMENTS = ['post', 'pre', 'sandwich'] as const;
export const OPTIMIZERS = ['adam', 'adamw', 'sgd'] as const;
export const SCHEDULES = ['constant', 'cosine', 'inverse-sqrt'] as const;

const posInt = z.number().int().positive();

export const runConfigSchema = z
  .object({
    task: z.string().min(1).default('reverse'),
    /** Task options, e.g. { "text": "…" } for chars (the CLI fills it from --text-file), { "p": 97 } for modadd. */
    taskOptions: z.record(z.string(), z.unknown()).default({}),
    dModel: posInt.default(64),
    nHead: posInt.default(4),
    dimFeedforward: posInt.default(256),
    layers: posInt.default(4),
    dropout: z.number().min(0).lt(1).default(0),
    activation: z.enum(['relu', 'gelu', 'gelu-tanh']).default('gelu'),
    norm: z.enum(NORMS).default('layernorm'),
    placement: z.enum(PLACEMENTS).default('pre'),
    /** The seed's LN variants: PyTorch's biased variance with ε inside the root, or the tutorial's. */
    lnVariance: z.enum(['biased', 'unbiased']).default('biased'),
    lnEpsPlacement: z.enum(['inside', 'outside']).default('inside'),
    lnEps: z.number().positive().default(1e-5),
    /** A final norm before the head (default: on unless post placement, as GPT-2 / nanoGPT). */
    finalNorm: z.boolean().optional(),
    dytAlphaInit: z.number().positive().default(0.5),
    optimizer: z.enum(OPTIMIZERS).default('adam'),
    lr: z.number().positive().default(1e-3),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.98),
    adamEps: z.number().positive().default(1e-9),
    weightDecay: z.number().min(0).default(0),
    momentum: z.number().min(0).lt(1).default(0.9),
    warmupSteps: z.number().int().min(0).default(0),
    schedule: z.enum(SCHEDULES).default('constant'),
    /** Global gradient-norm clipping; 0 turns it off. */
    clipGradNorm: z.number().min(0).default(0),
    batchSize: posInt.default(32),
    steps: posInt.default(1000),
    evalInterval: posInt.default(50),
    /** Telemetry every k steps (metrics.jsonl rows). */
    logInterval: posInt.default(10),
    seed: z.number().int().min(0).default(0),
    /** A run stops as diverged when its loss is NaN/Inf or exceeds this. */
    divergenceLoss: z.number().positive().default(100),
    /** Checkpoint every N steps (0 = never). */
    checkpointEvery: z.number().int().min(0).default(0),
    /** Stop early once eval accuracy reaches this (1.01 = never). */
    stopAtAccuracy: z.number().positive().default(1.01),
  })
  .strict();

export type RunConfig = z.infer<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Cross-field rules that a schema of single fields cannot express; each message says how to fix it. */
function crossChecks(c: RunConfig): string[] {
  const out: string[] = [];
  if (c.dModel % c.nHead !== 0) {
    const near = [c.dModel - (c.dModel % c.nHead), c.dModel - (c.dModel % c.nHead) + c.nHead].filter((d) => d > 0);
    out.push(`dModel (${c.dModel}) must be divisible by nHead (${c.nHead}): use --d-model ${near.join(' or ')} or an --n-head that divides ${c.dModel}`);
  }
  if (c.warmupSteps >= c.steps) out.push(`warmupSteps (${c.warmupSteps}) must be shorter than the run (steps ${c.steps}): lower --warmup or raise --steps`);
  if (c.evalInterval > c.steps) out.push(`evalInterval (${c.evalInterval}) is longer than the run (steps ${c.steps}): use --eval-interval ≤ ${c.steps}`);
  if (c.logInterval > c.steps) out.push(`logInterval (${c.logInterval}) is longer than the run (steps ${c.steps}): use --log-interval ≤ ${c.steps}`);
  if (c.norm === 'none' && c.placement === 'sandwich') out.push('placement sandwich needs a norm: pick --norm other than none');
  if (c.norm !== 'layernorm' && (c.lnVariance !== 'biased' || c.lnEpsPlacement !== 'inside')) {
    out.push(`the LN variants (--ln-variance, --ln-eps-placement) apply to --norm layernorm, not ${c.norm}`);
  }
  if (c.norm === 'batchnorm' && c.batchSize < 2) out.push('batchnorm needs --batch-size ≥ 2');
  if (c.checkpointEvery > c.steps) out.push(`checkpointEvery (${c.checkpointEvery}) is longer than the run (steps ${c.steps})`);
  return out;
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.join('.') || '(config)';
  if (issue.code === 'unrecognized_keys') return `unknown setting(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}: check the spelling (lnlab train --help lists them)`;
  return `${path}: ${issue.message}`;
}

/** Validates and fills defaults; throws ConfigError listing every problem with a fix. */
export function parseRunConfig(input: unknown): RunConfig {
  const r = runConfigSchema.safeParse(input);
  if (!r.success) throw new ConfigError(r.error.issues.map(formatIssue));
  const problems = crossChecks(r.data);
  if (problems.length) throw new ConfigError(problems);
  return r.data;
}

/** The variant label used in reports, e.g. `pre-layernorm`, `none`, `post-layernorm(unbiased,outside)`. */
export function variantLabel(c: Pick<RunConfig, 'norm' | 'placement' | 'lnVariance' | 'lnEpsPlacement'>): string {
  if (c.norm === 'none') return 'none';
  const lnVariant = c.norm === 'layernorm' && (c.lnVariance !== 'biased' || c.lnEpsPlacement !== 'inside') ? `(${c.lnVariance},${c.lnEpsPlacement})` : '';
  return `${c.placement}-${c.norm}${lnVariant}`;
}
