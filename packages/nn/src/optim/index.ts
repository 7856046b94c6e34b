// Optimizers (SGD, Adam, AdamW), gradient clipping and learning-rate schedules.
export { Optimizer, optimizerStateToTensors, optimizerStateFromTensors } from './optimizer';
export type {
  BaseHyper,
  OptimizerStateDict,
  OptimizerTensors,
  ParamGroup,
  ParamGroupInput,
  ParamsInput,
  ParamState,
  StateSpec,
  StateValue,
} from './optimizer';
export { SGD } from './sgd';
export type { SGDHyper, SGDOptions } from './sgd';
export { Adam, AdamW } from './adam';
export type { AdamHyper, AdamOptions } from './adam';
export { clipGradNorm, clipGradValue, gradNorm } from './clip';
export type { ClipGradNormOptions, GradNormOptions } from './clip';
export { LRScheduler, chain, compose, constant, cosineDecay, inverseSqrt, linearWarmup, sequential } from './schedule';
export type { CosineDecayOptions, LRSchedulable, LRSchedulerState, Schedule } from './schedule';
