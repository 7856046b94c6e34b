// 4. One training step (forward, cross-entropy, backward, Adam) of a small pre-LN Transformer LM, steps S and M:
// ms/step and tokens/s. The same model, batch and optimizer in every system.
import { Generator, Tensor } from '@lnlab/core';
import { Adam, TransformerLM, crossEntropy } from '@lnlab/nn';
import { describe, makeBatch, parameterCount, rows as batchRows, stepConfigs, tokensPerStep } from '../models/config';
import type { Batch, StepConfig, Stepper, SyncStepper } from '../models/config';
import { jaxLM } from '../models/jax-lm';
import { jsPytorchLM } from '../models/js-pytorch-lm';
import { tfjsLM } from '../models/tfjs-lm';
import { loadJax } from '../peers/jax';
import { loadJsPytorch } from '../peers/js-pytorch';
import { runTorch } from '../peers/pytorch';
import type { TorchStats } from '../peers/pytorch';
import { useTfjs } from '../peers/tfjs';
import { measure } from '../timing';
import type { Stats, TimingOptions } from '../timing';
import { ok } from '../types';
import type { Benchmark, BenchContext, Cell, ResultRow } from '../types';
import { compact, oursCell, peerCell } from './common';

/** Our step: TransformerLM (pre-LN, GELU, no dropout) + crossEntropy + Adam. Exported for the memory check. */
export function oursLM(c: StepConfig, batch: Batch): SyncStepper {
  const model = new TransformerLM({
    vocabSize: c.vocab, maxSeqLen: c.seq, dModel: c.dModel, nHead: c.nHead, numLayers: c.layers, dimFeedforward: c.ff,
    dropout: 0, activation: 'gelu', normFirst: true, generator: new Generator(0),
  });
  const opt = new Adam(model.parameters(), { lr: c.lr });
  const x = new Tensor(batch.x, [c.batch, c.seq]);
  const y = new Tensor(batch.y, [c.batch, c.seq]);
  return {
    parameters: model.numParameters(),
    note: `TransformerLM + crossEntropy + Adam; ${tokensPerStep(c)} tokens/step`,
    step() {
      const loss = crossEntropy(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      return loss.item();
    },
    dispose() {},
  };
}

/** Slow peers take tens of seconds a step: one warm-up step, then at least 3 timed ones. */
export function trainTiming(base: TimingOptions, quick: boolean): TimingOptions {
  return quick ? { ...base, minWarmupCalls: 1, minSampleMs: 0 } : { ...base, warmupMs: 1_000, minWarmupCalls: 1, minReps: 3, reps: 11, minSampleMs: 0, budgetMs: 20_000 };
}

interface StepExtra {
  note?: string;
  parameters: number;
  firstLoss?: number;
  lastLoss?: number;
  steps: number;
}

function stepCell(c: StepConfig, stats: Stats, extra: StepExtra): Cell {
  const tokS = tokensPerStep(c) / (stats.median / 1000);
  const { firstLoss: first, lastLoss: last } = extra;
  const lossNote = first !== undefined && last !== undefined ? `loss ${first.toFixed(3)} → ${last.toFixed(3)} over ${extra.steps} steps` : '';
  const paramNote = extra.parameters === parameterCount(c) ? '' : `; ${extra.parameters} parameters (expected ${parameterCount(c)})`;
  const note = [extra.note, lossNote].filter(Boolean).join('; ') + paramNote;
  return ok(stats.median, { stats, display: `${stats.median.toFixed(stats.median >= 100 ? 0 : 1)} ms · ${compact(tokS)} tok/s`, note });
}

async function timeStepper(ctx: BenchContext, c: StepConfig, s: Stepper): Promise<Cell> {
  const losses: number[] = [];
  try {
    const stats = await measure(async () => {
      const l = await s.step();
      if (!Number.isFinite(l)) throw new Error(`loss is ${l}`);
      losses.push(l);
    }, trainTiming(ctx.timing, ctx.quick));
    const extra: StepExtra = { parameters: s.parameters, steps: losses.length, ...(s.note ? { note: s.note } : {}) };
    if (losses.length > 0) Object.assign(extra, { firstLoss: losses[0], lastLoss: losses[losses.length - 1] });
    return stepCell(c, stats, extra);
  } finally {
    s.dispose();
  }
}

async function pytorch(ctx: BenchContext, c: StepConfig, batch: Batch): Promise<Cell> {
  const params = { vocab: c.vocab, dModel: c.dModel, nHead: c.nHead, ff: c.ff, layers: c.layers, seq: c.seq, x: batchRows(batch.x, c), y: batchRows(batch.y, c) };
  const reply = await runTorch<TorchStats>({ task: 'train', params, timing: trainTiming(ctx.timing, ctx.quick), threads: 1 });
  const r = reply.result;
  const extra: StepExtra = {
    note: `torch ${reply.info.torch} nn.TransformerEncoderLayer(norm_first, gelu) + Adam, 1 thread, BLAS: ${reply.info.blas}`,
    parameters: Number(r.parameters),
    steps: Number(r.steps),
  };
  if (typeof r.firstLoss === 'number' && typeof r.lastLoss === 'number') Object.assign(extra, { firstLoss: r.firstLoss, lastLoss: r.lastLoss });
  return stepCell(c, r, extra);
}

export const trainStepBenchmark: Benchmark = {
  name: 'train',
  title: 'training step (ms/step, lower is better; tokens/s)',
  async run(ctx) {
    const out: ResultRow[] = [];
    for (const c of stepConfigs(ctx.quick)) {
      const batch = makeBatch(c);
      const what = `train step ${c.name}`;
      const row: ResultRow = { id: `train/${c.name}`, benchmark: 'train', label: `${what} (${describe(c)}, Adam)`, unit: 'ms/step', better: 'lower', cells: {} };
      row.cells.ours = await oursCell(ctx, what, () => timeStepper(ctx, c, oursLM(c, batch)));
      row.cells['tfjs-cpu'] = await peerCell(ctx, 'tfjs-cpu', what, async () => timeStepper(ctx, c, tfjsLM(await useTfjs('cpu'), c, batch, { embedding: 'gather' })));
      row.cells['tfjs-wasm'] = await peerCell(ctx, 'tfjs-wasm', what, async () => timeStepper(ctx, c, tfjsLM(await useTfjs('wasm'), c, batch, { embedding: 'onehot' })));
      row.cells['js-pytorch'] = await peerCell(ctx, 'js-pytorch', what, async () => timeStepper(ctx, c, jsPytorchLM(await loadJsPytorch(), c, batch)));
      row.cells['jax-js'] = await peerCell(ctx, 'jax-js', what, async () => timeStepper(ctx, c, await jaxLM(await loadJax(), c, batch)));
      row.cells.pytorch = await peerCell(ctx, 'pytorch', what, () => pytorch(ctx, c, batch));
      row.notes = [
        `${parameterCount(c)} parameters; pre-LN blocks (LN → causal MHA → residual, LN → FFN(GELU) → residual), final LN, linear head, learned positions; no dropout; Adam lr ${c.lr}`,
        'tfjs-wasm: oneHot(x)·E embedding (the wasm backend lacks the kernel behind tf.gather\'s gradient); ours and PyTorch use erf-GELU, the JS peers tanh-GELU',
      ];
      out.push(row);
    }
    return out;
  },
};
