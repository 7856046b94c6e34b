// One training run: build the task, model and optimizer from a RunConfig, train with telemetry every k steps,
// evaluate, checkpoint, detect divergence, and write config.json / metrics.jsonl / summary.json.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, argmax, ne, noGrad, slice } from '@lnlab/core';
import type { Tensor } from '@lnlab/core';
import {
  Adam, AdamW, LRScheduler, SGD, TransformerLM, clipGradNorm, compose, constantSchedule, cosineDecay, crossEntropy, gradNorm,
  inverseSqrt, linearWarmup,
} from '@lnlab/nn';
import type { Optimizer, Schedule } from '@lnlab/nn';
import { variantLabel } from './config';
import type { RunConfig } from './config';
import { readCheckpoint, restore, saveCheckpoint } from './checkpoint';
import { writeFileAtomic } from './fsutil';
import { makeTask } from './tasks/index';
import type { Task, TaskBatch } from './tasks/index';
import { Telemetry } from './telemetry';
import type { InitTelemetry, MetricsRow, RunSummary } from './schema';

export interface Progress {
  step: number;
  steps: number;
  loss: number;
  evalAccuracy: number | null;
}

export interface RunOptions {
  /** The run's folder (created). */
  dir: string;
  /** Continue from the checkpoint in `dir`. */
  resume?: boolean;
  onProgress?: (p: Progress) => void;
  /** Stop after this many steps of this invocation (tests of resume); the run is left resumable. */
  stopAfter?: number;
}

/** Seeds derived from the run seed: model init (and dropout), training data, and the init-telemetry batches. */
function generators(seed: number): { model: Generator; data: Generator; probe: Generator } {
  return { model: new Generator(seed * 3 + 1), data: new Generator(seed * 3 + 2), probe: new Generator(seed * 3 + 3) };
}

export function buildModel(c: RunConfig, task: Task, gen: Generator): TransformerLM {
  return new TransformerLM({
    vocabSize: task.vocabSize,
    maxSeqLen: task.seqLen,
    dModel: c.dModel,
    nHead: c.nHead,
    numLayers: c.layers,
    dimFeedforward: c.dimFeedforward,
    dropout: c.dropout,
    activation: c.activation,
    norm: c.norm,
    placement: c.placement,
    layerNormEps: c.lnEps,
    normOptions: { variance: c.lnVariance, epsPlacement: c.lnEpsPlacement, alphaInit: c.dytAlphaInit },
    ...(c.finalNorm === undefined ? {} : { finalNorm: c.finalNorm }),
    generator: gen,
  });
}

export function buildOptimizer(c: RunConfig, params: Tensor[]): Optimizer {
  switch (c.optimizer) {
    case 'adam':
      return new Adam(params, { lr: c.lr, betas: [c.beta1, c.beta2], eps: c.adamEps, weightDecay: c.weightDecay });
    case 'adamw':
      return new AdamW(params, { lr: c.lr, betas: [c.beta1, c.beta2], eps: c.adamEps, weightDecay: c.weightDecay });
    case 'sgd':
      return new SGD(params, { lr: c.lr, momentum: c.momentum, weightDecay: c.weightDecay });
  }
}

/** Linear warmup (if any) composed with the decay schedule; `inverse-sqrt` brings its own warmup. */
export function buildSchedule(c: RunConfig): Schedule {
  if (c.schedule === 'inverse-sqrt') return inverseSqrt(Math.max(1, c.warmupSteps));
  const decay = c.schedule === 'cosine' ? cosineDecay(c.steps) : constantSchedule();
  return c.warmupSteps > 0 ? compose(linearWarmup(c.warmupSteps), decay) : decay;
}

/** Loss and accuracy (counted positions) of a batch; logits [B, T, V], targets with IGNORE. */
function accuracy(logits: Tensor, targets: Tensor): number {
  const pred = argmax(logits, -1);
  const counted = ne(targets, -100);
  let hit = 0;
  let n = 0;
  for (let i = 0; i < targets.size; i++) {
    if (!counted.data[i]) continue;
    n++;
    if (pred.data[i] === targets.data[i]) hit++;
  }
  return n ? hit / n : 0;
}

/**
 * Mean loss (over counted positions) and accuracy on the task's fixed eval set, in eval mode, in chunks of 128
 * sequences (activations that stay in cache: 512 at once measured ~20% slower on the default study's model).
 */
export function evaluate(model: TransformerLM, task: Task, chunk = 128): { loss: number; accuracy: number } {
  const { inputs, targets } = task.evalSet();
  const n = inputs.shape[0]!;
  let lossSum = 0;
  let hits = 0;
  let counted = 0;
  model.eval();
  noGrad(() => {
    for (let s = 0; s < n; s += chunk) {
      const x = slice(inputs, 0, s, s + chunk);
      const y = slice(targets, 0, s, s + chunk);
      const logits = model.forward(x);
      let c = 0;
      for (let i = 0; i < y.size; i++) if (y.data[i] !== -100) c++;
      if (c === 0) continue;
      lossSum += crossEntropy(logits, y, { reduction: 'sum' }).item();
      hits += accuracy(logits, y) * c;
      counted += c;
    }
  });
  model.train();
  return { loss: counted ? lossSum / counted : NaN, accuracy: counted ? hits / counted : 0 };
}

/**
 * Xiong et al. 2020, fig. 3: average each layer's FFN weight gradients over `batches` batches at init, then take
 * the Frobenius norm. Uses its own generator, so the training stream is untouched.
 */
export function initGradients(model: TransformerLM, task: Task, batchSize: number, gen: Generator, batches = 8): InitTelemetry {
  const layers = [...model.encoder.layers];
  const sumOut = layers.map((l) => new Float64Array(l.linear2.weight.size));
  const sumIn = layers.map((l) => new Float64Array(l.linear1.weight.size));
  for (let b = 0; b < batches; b++) {
    const { inputs, targets } = task.sampleBatch(batchSize, gen);
    model.zeroGrad();
    crossEntropy(model.forward(inputs), targets).backward();
    layers.forEach((l, i) => {
      const go = l.linear2.weight.grad!.data;
      const gi = l.linear1.weight.grad!.data;
      for (let j = 0; j < go.length; j++) sumOut[i]![j]! += go[j]! / batches;
      for (let j = 0; j < gi.length; j++) sumIn[i]![j]! += gi[j]! / batches;
    });
  }
  model.zeroGrad();
  const fro = (a: Float64Array) => Math.sqrt(a.reduce((p, v) => p + v * v, 0));
  return { ffnOut: sumOut.map(fro), ffnIn: sumIn.map(fro), batches };
}

function readMetrics(path: string): MetricsRow[] {
  if (!existsSync(path)) return [];
  const rows: MetricsRow[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      rows.push(JSON.parse(line) as MetricsRow);
    } catch {
      break; // a torn last line from an interrupted run
    }
  }
  return rows;
}

function runId(c: RunConfig): string {
  return `${variantLabel(c)}_lr${c.lr}_w${c.warmupSteps}_s${c.seed}`;
}

/** Trains one run to completion (or divergence) and returns its summary. */
export function runTraining(config: RunConfig, options: RunOptions): RunSummary {
  const started = Date.now();
  const dir = options.dir;
  mkdirSync(dir, { recursive: true });
  const task = makeTask(config.task, config.taskOptions);
  const gens = generators(config.seed);
  const model = buildModel(config, task, gens.model);
  const params = model.parameters();
  const optimizer = buildOptimizer(config, params);
  const scheduler = new LRScheduler(optimizer, buildSchedule(config));
  const metricsPath = join(dir, 'metrics.jsonl');
  const summaryPath = join(dir, 'summary.json');

  let start = 0;
  let evalHistory: { step: number; accuracy: number; loss: number }[] = [];
  let priorWall = 0;
  let init: InitTelemetry;
  if (options.resume) {
    const ckpt = readCheckpoint(dir);
    restore(ckpt, model, optimizer);
    scheduler.loadStateDict(ckpt.state.scheduler);
    gens.data.setState(ckpt.state.rng.data);
    gens.model.setState(ckpt.state.rng.model);
    start = ckpt.state.step;
    evalHistory = ckpt.state.evalHistory;
    priorWall = ckpt.state.wallTimeSec;
    // Keep the metrics written before the checkpoint; later rows are redone.
    const kept = readMetrics(metricsPath).filter((r) => r.step < start);
    writeFileAtomic(metricsPath, kept.map((r) => JSON.stringify(r) + '\n').join(''));
    init = (JSON.parse(readFileSync(join(dir, 'init.json'), 'utf8')) as InitTelemetry);
  } else {
    writeFileAtomic(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    writeFileAtomic(metricsPath, '');
    init = initGradients(model, task, config.batchSize, gens.probe);
    writeFileAtomic(join(dir, 'init.json'), JSON.stringify(init) + '\n');
  }

  const telemetry = new Telemetry(model);
  const tokensPerStep = config.batchSize * task.seqLen;
  let diverged: { step: number; reason: string } | null = null;
  let lastLoss: number | null = null;
  let lastRowTime = performance.now();
  let lastRowStep = start;
  let lastEval: { loss: number; accuracy: number } | null = evalHistory.at(-1) ?? null;
  const stop = options.stopAfter === undefined ? config.steps : Math.min(config.steps, start + options.stopAfter);

  const doEval = (step: number): void => {
    const r = evaluate(model, task);
    lastEval = r;
    evalHistory.push({ step, ...r });
  };

  let step = start;
  for (; step < stop; step++) {
    const logStep = step % config.logInterval === 0;
    const evalStep = step % config.evalInterval === 0 && !evalHistory.some((e) => e.step === step);
    if (evalStep) doEval(step);
    const batch: TaskBatch = task.sampleBatch(config.batchSize, gens.data);
    telemetry.arm(logStep);
    const logits = model.forward(batch.inputs);
    const loss = crossEntropy(logits, batch.targets);
    const lossValue = loss.item();
    lastLoss = lossValue;
    optimizer.zeroGrad();
    let total = NaN;
    if (Number.isFinite(lossValue)) {
      loss.backward();
      total = config.clipGradNorm > 0 ? clipGradNorm(params, config.clipGradNorm) : gradNorm(params);
    }
    const bad = !Number.isFinite(lossValue) ? 'loss is NaN/Inf' : !Number.isFinite(total) ? 'gradient norm is NaN/Inf' : lossValue > config.divergenceLoss ? `loss ${lossValue.toFixed(1)} > ${config.divergenceLoss}` : null;
    if (logStep || bad) {
      const now = performance.now();
      const steps = Math.max(1, step - lastRowStep);
      const row: MetricsRow = {
        step,
        time: priorWall + (Date.now() - started) / 1000,
        loss: lossValue,
        accuracy: accuracy(logits, batch.targets),
        lr: optimizer.paramGroups[0]!.lr,
        gradNorm: total,
        ...(evalStep && lastEval ? { evalLoss: lastEval.loss, evalAccuracy: lastEval.accuracy } : {}),
        stepMs: step === lastRowStep ? 0 : (now - lastRowTime) / steps,
        tokensPerSec: step === lastRowStep ? 0 : (tokensPerStep * steps * 1000) / (now - lastRowTime),
        nonFinite: { loss: Number.isFinite(lossValue) ? 0 : 1, grads: telemetry.nonFiniteGrads(), params: telemetry.nonFiniteParams() },
        layers: telemetry.layerTelemetry(),
        norms: telemetry.normTelemetry(),
        updateRatio: {},
      };
      if (!bad) {
        telemetry.beforeUpdate();
        optimizer.step();
        scheduler.step();
        row.updateRatio = telemetry.updateRatios();
      }
      appendFileSync(metricsPath, JSON.stringify(row) + '\n');
      lastRowTime = now;
      lastRowStep = step;
      if (bad) {
        diverged = { step, reason: bad };
        break;
      }
    } else {
      optimizer.step();
      scheduler.step();
    }
    options.onProgress?.({ step: step + 1, steps: config.steps, loss: lossValue, evalAccuracy: lastEval?.accuracy ?? null });
    if (lastEval && lastEval.accuracy >= config.stopAtAccuracy) {
      step++;
      break;
    }
    if (config.checkpointEvery > 0 && (step + 1) % config.checkpointEvery === 0) {
      saveCheckpoint(dir, model, optimizer, {
        step: step + 1,
        rng: { data: gens.data.getState(), model: gens.model.getState() },
        scheduler: scheduler.stateDict(),
        config,
        evalHistory,
        wallTimeSec: priorWall + (Date.now() - started) / 1000,
      });
    }
  }
  const finished = !diverged && step >= config.steps;
  if (finished && !evalHistory.some((e) => e.step === config.steps)) {
    doEval(config.steps);
    const r = lastEval!;
    appendFileSync(metricsPath, JSON.stringify({ step: config.steps, time: priorWall + (Date.now() - started) / 1000, evalLoss: r.loss, evalAccuracy: r.accuracy, final: true }) + '\n');
  }
  const hit90 = evalHistory.find((e) => e.accuracy >= 0.9);
  const summary: RunSummary = {
    id: runId(config),
    variant: variantLabel(config),
    task: config.task,
    lr: config.lr,
    warmupSteps: config.warmupSteps,
    seed: config.seed,
    steps: config.steps,
    stepsRun: diverged ? diverged.step : step,
    finalLoss: lastLoss,
    finalEvalLoss: lastEval?.loss ?? null,
    finalEvalAccuracy: lastEval?.accuracy ?? null,
    bestEvalAccuracy: evalHistory.length ? Math.max(...evalHistory.map((e) => e.accuracy)) : null,
    stepsTo90: hit90?.step ?? null,
    diverged: diverged !== null,
    divergedAt: diverged?.step ?? null,
    divergedReason: diverged?.reason ?? null,
    wallTimeSec: priorWall + (Date.now() - started) / 1000,
    init,
  };
  telemetry.detach();
  if (finished || diverged || lastEval?.accuracy !== undefined) writeFileAtomic(summaryPath, JSON.stringify(summary, null, 2) + '\n');
  return summary;
}

export { runId };
