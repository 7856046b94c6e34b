// Sweeps: a base config, model variants, (lr, warmup) settings and seeds — as a built-in preset or a JSON file.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseRunConfig, runConfigSchema } from './config';
import type { RunConfig, RunConfigInput } from './config';

const CONFIG_KEYS = new Set(Object.keys(runConfigSchema.shape));

/** Some settings of a RunConfig: keys are checked here, values when the merged configs are validated. */
const partialConfig = z.record(z.string(), z.unknown()).superRefine((o, ctx) => {
  for (const k of Object.keys(o)) {
    if (!CONFIG_KEYS.has(k)) ctx.addIssue({ code: 'custom', message: `unknown setting "${k}" (known: ${[...CONFIG_KEYS].join(', ')})`, path: [k] });
  }
});

export const sweepSpecSchema = z
  .object({
    name: z.string().regex(/^[\w.-]+$/, 'use letters, digits, dot, dash or underscore'),
    description: z.string().default(''),
    base: partialConfig.default({}),
    /** Model variants: each overrides the base (e.g. norm, placement). */
    variants: z.array(partialConfig).min(1),
    /** Optimisation settings: each overrides base and variant (e.g. lr, warmupSteps). */
    settings: z.array(partialConfig).min(1).default([{}]),
    seeds: z.array(z.number().int().min(0)).min(1).default([0]),
  })
  .strict();

export type SweepSpec = z.infer<typeof sweepSpecSchema>;

const lnPlacementBase: Partial<RunConfigInput> = {
  task: 'reverse',
  dModel: 64,
  nHead: 4,
  dimFeedforward: 256,
  layers: 4,
  dropout: 0,
  activation: 'gelu',
  optimizer: 'adam',
  beta1: 0.9,
  beta2: 0.98,
  adamEps: 1e-9,
  batchSize: 32,
  schedule: 'constant',
  // reverse is solved in 25–75 steps when it is solved at all; 200 steps separate solved from stuck runs.
  steps: 200,
  evalInterval: 20,
  logInterval: 10,
};

export const PRESETS: Record<string, SweepSpec> = {
  'ln-placement': sweepSpecSchema.parse({
    name: 'ln-placement',
    description:
      'The default study: Post-LN vs Pre-LN vs Pre-RMSNorm vs Pre-DyT vs no normalization on `reverse` (4 layers, d 64), Adam β 0.9/0.98 ε 1e-9, lr 1e-2 with and without 100 warmup steps, and lr 1e-3; two seeds.',
    base: lnPlacementBase,
    variants: [
      { norm: 'layernorm', placement: 'post' },
      { norm: 'layernorm', placement: 'pre' },
      { norm: 'rmsnorm', placement: 'pre' },
      { norm: 'dyt', placement: 'pre' },
      { norm: 'none', placement: 'pre' },
    ],
    settings: [
      { lr: 1e-2, warmupSteps: 0 },
      { lr: 1e-2, warmupSteps: 100 },
      { lr: 1e-3, warmupSteps: 0 },
    ],
    seeds: [0, 1],
  }),
  'ln-variants': sweepSpecSchema.parse({
    name: 'ln-variants',
    description: "PyTorch's LayerNorm vs the tutorial variant (unbiased σ, ε outside the root), Post- and Pre-LN, lr 1e-3 and 1e-2.",
    base: lnPlacementBase,
    variants: [
      { placement: 'post', lnVariance: 'biased', lnEpsPlacement: 'inside' },
      { placement: 'post', lnVariance: 'unbiased', lnEpsPlacement: 'outside' },
      { placement: 'pre', lnVariance: 'biased', lnEpsPlacement: 'inside' },
      { placement: 'pre', lnVariance: 'unbiased', lnEpsPlacement: 'outside' },
    ],
    settings: [{ lr: 1e-3 }, { lr: 1e-2 }],
    seeds: [0, 1],
  }),
  /** A seconds-long sweep for tests and smoke runs. */
  smoke: sweepSpecSchema.parse({
    name: 'smoke',
    description: 'A tiny sweep that finishes in seconds (for tests and trying the tool).',
    base: { ...lnPlacementBase, dModel: 16, nHead: 2, dimFeedforward: 32, layers: 2, batchSize: 8, steps: 20, evalInterval: 10, logInterval: 5 },
    variants: [{ placement: 'post' }, { placement: 'pre' }],
    settings: [{ lr: 1e-2 }],
    seeds: [0, 1],
  }),
};

/** A preset by name, or a sweep spec from a JSON file (validated). */
export function loadSweepSpec(nameOrFile: string): SweepSpec {
  const preset = PRESETS[nameOrFile];
  if (preset) return preset;
  if (!nameOrFile.endsWith('.json')) {
    throw new Error(`unknown sweep preset "${nameOrFile}" (presets: ${Object.keys(PRESETS).join(', ')}; or give a .json file)`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(nameOrFile, 'utf8'));
  } catch (e) {
    throw new Error(`sweep file ${nameOrFile}: ${(e as Error).message}`, { cause: e });
  }
  const r = sweepSpecSchema.safeParse(raw);
  if (!r.success) throw new Error(`sweep file ${nameOrFile}:\n${r.error.issues.map((i) => `  - ${i.path.join('.') || '(file)'}: ${i.message}`).join('\n')}`);
  return r.data;
}

/** Every run of a sweep: variants × settings × seeds, each validated (so a bad grid fails before anything runs). */
export function expandSweep(spec: SweepSpec, overrides: Partial<RunConfigInput> = {}): RunConfig[] {
  const out: RunConfig[] = [];
  for (const variant of spec.variants) {
    for (const setting of spec.settings) {
      for (const seed of spec.seeds) {
        out.push(parseRunConfig({ ...spec.base, ...variant, ...setting, seed, ...overrides }));
      }
    }
  }
  return out;
}
