// Checkpoints: model parameters and buffers (PyTorch names), optimizer state (`optimizer.state.N.…`), and as
// JSON metadata the step, both RNG states, the scheduler and the config — one safetensors file, written
// atomically, so a run killed mid-write keeps its previous checkpoint loadable.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensors, saveSafetensors } from '@lnlab/core';
import type { GeneratorState, Tensor } from '@lnlab/core';
import { optimizerStateFromTensors, optimizerStateToTensors } from '@lnlab/nn';
import type { LRSchedulerState, Module, Optimizer, OptimizerStateDict } from '@lnlab/nn';
import { writeFileAtomic } from './fsutil';
import type { RunConfig } from './config';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
const OPT_PREFIX = 'optimizer.';

export interface CheckpointState {
  /** Optimizer updates completed. */
  step: number;
  rng: { data: GeneratorState; model: GeneratorState };
  scheduler: LRSchedulerState;
  config: RunConfig;
  /** Eval results so far (for steps-to-90% after a resume). */
  evalHistory: { step: number; accuracy: number; loss: number }[];
  wallTimeSec: number;
}

export function saveCheckpoint(dir: string, model: Module, optimizer: Optimizer, state: CheckpointState): string {
  const tensors = new Map<string, Tensor>(model.stateDict());
  const opt = optimizerStateToTensors(optimizer.stateDict() as OptimizerStateDict, { prefix: OPT_PREFIX });
  for (const [k, t] of opt.tensors) tensors.set(k, t);
  const path = join(dir, CHECKPOINT_FILE);
  writeFileAtomic(path, saveSafetensors(tensors, { ...opt.metadata, lnlab: JSON.stringify(state) }));
  return path;
}

export interface LoadedCheckpoint {
  state: CheckpointState;
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

export function readCheckpoint(dir: string): LoadedCheckpoint {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path)) throw new Error(`resume: no ${CHECKPOINT_FILE} in ${dir} (run with --checkpoint-every N to write one)`);
  const bytes = readFileSync(path);
  const { tensors, metadata } = loadSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (!metadata.lnlab) throw new Error(`resume: ${path} has no lnlab state (not an lnlab checkpoint?)`);
  return { state: JSON.parse(metadata.lnlab) as CheckpointState, tensors, metadata };
}

/** Restores model (strict) and optimizer state from a loaded checkpoint. */
export function restore(ckpt: LoadedCheckpoint, model: Module, optimizer: Optimizer): void {
  const modelPart = new Map([...ckpt.tensors].filter(([k]) => !k.startsWith(OPT_PREFIX)));
  model.loadStateDict(modelPart, { strict: true });
  optimizer.loadStateDict(optimizerStateFromTensors(ckpt.tensors, ckpt.metadata, { prefix: OPT_PREFIX }));
}
