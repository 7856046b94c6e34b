// A synthetic sweep folder for the report's tests: plausible metrics rows following schema.ts for Post-LN and
// Pre-LN runs, with one diverged run and one metrics.jsonl whose last line is cut mid-write.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerTelemetry, MetricsRow, NormTelemetry, RunSummary, SweepManifest } from '../schema';

export interface SyntheticOptions {
  lrs?: number[];
  warmups?: number[];
  seeds?: number[];
  /** When false, Post-LN trains at lr 1e-2 without warmup too (to test the conditional text). */
  postNeedsWarmup?: boolean;
  /** Write sweep.json (default true). */
  manifest?: boolean;
}

export interface SyntheticRun {
  id: string;
  variant: string;
  lr: number;
  warmupSteps: number;
  seed: number;
  rows: MetricsRow[];
  summary: RunSummary;
  truncated: boolean;
}

export const SYNTH = { steps: 400, logInterval: 20, evalInterval: 40, layers: 3, dModel: 16, nHead: 2 } as const;

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Outcome = { kind: 'learn'; tau: number } | { kind: 'stall' } | { kind: 'diverge'; at: number };

function outcome(placement: 'post' | 'pre', lr: number, warmup: number, seed: number, postNeedsWarmup: boolean): Outcome {
  if (placement === 'pre') return { kind: 'learn', tau: (lr >= 1e-2 ? 40 : 110) + 8 * seed };
  if (lr >= 1e-2 && warmup === 0 && postNeedsWarmup) return seed === 0 ? { kind: 'diverge', at: 60 } : { kind: 'stall' };
  if (lr >= 1e-2) return { kind: 'learn', tau: 60 + 10 * seed };
  // Post-LN at a small lr: slow; the second seed does not get to 90% in time.
  return { kind: 'learn', tau: seed === 0 ? 140 : 400 };
}

function normNames(placement: 'post' | 'pre'): string[] {
  const out: string[] = [];
  for (let l = 0; l < SYNTH.layers; l++) out.push(`layers.${l}.norm1`, `layers.${l}.norm2`);
  if (placement === 'pre') out.push('norm');
  return out;
}

const TENSORS = ['embedding.weight', ...Array.from({ length: SYNTH.layers }, (_, l) => [`layers.${l}.self_attn.in_proj_weight`, `layers.${l}.linear1.weight`, `layers.${l}.linear2.weight`]).flat(), 'head.weight'];

function makeRows(placement: 'post' | 'pre', lr: number, warmup: number, seed: number, o: Outcome): MetricsRow[] {
  const rand = rng(seed * 7919 + Math.round(lr * 1e6) + warmup * 31 + (placement === 'post' ? 1 : 2));
  const rows: MetricsRow[] = [];
  const lastStep = o.kind === 'diverge' ? o.at : SYNTH.steps;
  for (let step = 0; step <= lastStep; step += SYNTH.logInterval) {
    const noise = (s: number): number => 1 + s * (rand() - 0.5);
    const progress = o.kind === 'learn' ? 1 - Math.exp(-step / o.tau) : o.kind === 'stall' ? 0.25 * (1 - Math.exp(-step / 80)) : 0.15 * (step / o.at);
    const acc = Math.min(1, 0.08 + 0.92 * progress);
    const blowUp = o.kind === 'diverge' && step === o.at;
    const loss = blowUp ? NaN : (2.6 * (1 - progress) + 0.02) * noise(0.1);
    const lrNow = warmup > 0 ? lr * Math.min(1, (step + 1) / warmup) : lr;
    const growth = o.kind === 'diverge' ? Math.exp(step / 15) : 1;
    const layers: LayerTelemetry[] = Array.from({ length: SYNTH.layers }, (_, l) => ({
      index: l,
      gradNorm: { attn: 0.3 * noise(0.2) * growth, ffn: 0.5 * (placement === 'post' ? 1 + 0.8 * l : 1) * noise(0.2) * growth, norm: 0.05 * noise(0.2) },
      residualRms: (placement === 'pre' ? 1 + 0.8 * l + step / 400 : 1) * noise(0.05) * growth,
      attnEntropy: Array.from({ length: SYNTH.nHead }, (_, h) => Math.max(0.05, 0.95 - 0.5 * progress - 0.05 * h - 0.05 * l)),
      attnMaxLogit: 2 + 4 * progress + l,
    }));
    const norms: NormTelemetry[] = normNames(placement).map((name, i) => {
      const inStd = (placement === 'pre' ? 1 + 0.4 * Math.floor(i / 2) : 1.4) * noise(0.05) * growth;
      return { name, inMean: 0.01 * (rand() - 0.5), inStd, inMinTokenStd: inStd * 0.3 * noise(0.1), gammaNorm: 4 * noise(0.02) };
    });
    const updateRatio: Record<string, number> = {};
    for (const t of TENSORS) updateRatio[t] = step === 0 ? 0 : lrNow * 0.8 * noise(0.5) * (blowUp ? 50 : 1);
    const row: MetricsRow = {
      step,
      time: step * 0.01,
      loss,
      accuracy: acc * noise(0.05),
      lr: lrNow,
      gradNorm: (blowUp ? 1e4 : 1.5 * (1 - 0.6 * progress)) * noise(0.2) * growth,
      stepMs: 10 * noise(0.1),
      tokensPerSec: 32_000 * noise(0.1),
      nonFinite: { loss: blowUp ? 1 : 0, grads: blowUp ? 12 : 0, params: 0 },
      layers,
      norms,
      updateRatio,
    };
    if (step % SYNTH.evalInterval === 0 && !blowUp) {
      row.evalAccuracy = Math.min(1, acc * noise(0.02));
      row.evalLoss = Math.max(0.01, 2.6 * (1 - progress) + 0.03);
    }
    rows.push(row);
  }
  return rows;
}

function summarize(id: string, variant: string, placement: 'post' | 'pre', lr: number, warmup: number, seed: number, rows: MetricsRow[], o: Outcome): RunSummary {
  const evals = rows.filter((r) => r.evalAccuracy !== undefined);
  const last = rows[rows.length - 1]!;
  const lastEval = evals[evals.length - 1];
  const hit = evals.find((r) => r.evalAccuracy! >= 0.9);
  const rand = rng(seed + 1000);
  const base = 0.02 * (1 + 0.1 * rand());
  return {
    id,
    variant,
    task: 'reverse',
    lr,
    warmupSteps: warmup,
    seed,
    steps: SYNTH.steps,
    stepsRun: last.step,
    finalLoss: Number.isFinite(last.loss) ? last.loss : null,
    finalEvalLoss: lastEval?.evalLoss ?? null,
    finalEvalAccuracy: lastEval?.evalAccuracy ?? null,
    bestEvalAccuracy: evals.length ? Math.max(...evals.map((r) => r.evalAccuracy!)) : null,
    stepsTo90: hit ? hit.step : null,
    diverged: o.kind === 'diverge',
    divergedAt: o.kind === 'diverge' ? o.at : null,
    divergedReason: o.kind === 'diverge' ? 'loss is NaN' : null,
    wallTimeSec: last.time + 0.5,
    init: {
      ffnOut: Array.from({ length: SYNTH.layers }, (_, l) => base * (placement === 'post' ? 1 + 0.9 * l : 1 + 0.03 * (rand() - 0.5))),
      ffnIn: Array.from({ length: SYNTH.layers }, (_, l) => 0.8 * base * (placement === 'post' ? 1 + 0.9 * l : 1)),
      batches: 8,
    },
  };
}

/**
 * Writes a sweep of Post-LN and Pre-LN LayerNorm runs into `dir` (default: 2 lrs × warmup 0 × 2 seeds per
 * variant). Post-LN at lr 1e-2 without warmup diverges (seed 0) or stalls (seed 1); the last metrics.jsonl row
 * of pre-layernorm, lr 1e-3, seed 1 is cut in half.
 */
export async function writeSyntheticSweep(dir: string, opts: SyntheticOptions = {}): Promise<SyntheticRun[]> {
  const lrs = opts.lrs ?? [1e-3, 1e-2];
  const warmups = opts.warmups ?? [0];
  const seeds = opts.seeds ?? [0, 1];
  const postNeedsWarmup = opts.postNeedsWarmup ?? true;
  const out: SyntheticRun[] = [];
  for (const placement of ['post', 'pre'] as const) {
    const variant = `${placement}-layernorm`;
    for (const lr of lrs) {
      for (const warmup of warmups) {
        for (const seed of seeds) {
          const id = `${variant}_lr${lr}_w${warmup}_s${seed}`;
          const o = outcome(placement, lr, warmup, seed, postNeedsWarmup);
          const rows = makeRows(placement, lr, warmup, seed, o);
          const summary = summarize(id, variant, placement, lr, warmup, seed, rows, o);
          const config = {
            task: 'reverse',
            taskOptions: {},
            dModel: SYNTH.dModel,
            nHead: SYNTH.nHead,
            dimFeedforward: 64,
            layers: SYNTH.layers,
            norm: 'layernorm',
            placement,
            lnVariance: 'biased',
            lnEpsPlacement: 'inside',
            lnEps: 1e-5,
            optimizer: 'adam',
            lr,
            warmupSteps: warmup,
            schedule: 'constant',
            batchSize: 32,
            steps: SYNTH.steps,
            evalInterval: SYNTH.evalInterval,
            logInterval: SYNTH.logInterval,
            seed,
          };
          const truncated = placement === 'pre' && lr === 1e-3 && warmup === 0 && seed === 1;
          const lines = rows.map((r) => JSON.stringify(r));
          // A run killed while writing its last row: half a line, no newline.
          const jsonl = truncated ? `${lines.slice(0, -1).join('\n')}\n${lines[lines.length - 1]!.slice(0, 150)}` : `${lines.join('\n')}\n`;
          const runDir = join(dir, id);
          await mkdir(runDir, { recursive: true });
          await writeFile(join(runDir, 'config.json'), JSON.stringify(config, null, 2));
          await writeFile(join(runDir, 'metrics.jsonl'), jsonl);
          await writeFile(join(runDir, 'summary.json'), JSON.stringify(summary, null, 2));
          out.push({ id, variant, lr, warmupSteps: warmup, seed, rows, summary, truncated });
        }
      }
    }
  }
  if (opts.manifest ?? true) {
    const manifest: SweepManifest = {
      name: 'synthetic',
      preset: 'test',
      createdAt: '2026-01-01T00:00:00.000Z',
      runs: out.map((r) => ({ id: r.id, variant: r.variant, lr: r.lr, warmupSteps: r.warmupSteps, seed: r.seed })),
      wallTimeSec: 12.5,
      workers: 2,
    };
    await writeFile(join(dir, 'sweep.json'), JSON.stringify(manifest, null, 2));
  }
  return out;
}
