// @lnlab/nn: modules built from @lnlab/core's ops.
export { Module, ModuleList, Parameter, Buffer } from './module';
export type { ForwardHook, HookHandle, StateDict, LoadResult } from './module';
export { uniform, normal, constant, kaimingUniform, xavierUniform, fans } from './init';
export type { InitOptions } from './init';
export { Linear, Embedding, Dropout, GELU, ReLU, Identity, Sequential } from './layers';
export type { LinearOptions } from './layers';
export * from './norm/index';
export { MultiheadAttention, scaledDotProductAttention, scaledDotProductAttentionWithWeights, causalMask } from './attention';
export type { AttentionResult, MHAForwardOptions, MultiheadAttentionOptions, SDPAOptions } from './attention';
export { TransformerEncoderLayer, TransformerEncoder, TransformerLM } from './transformer';
export type { EncoderLayerConfig, EncoderForwardOptions, Placement, TransformerLMConfig } from './transformer';
export { crossEntropy, crossEntropyComposite } from './loss';
export type { CrossEntropyOptions } from './loss';
export { saveModule, loadModule } from './serialize';
export {
  Optimizer, SGD, Adam, AdamW, optimizerStateToTensors, optimizerStateFromTensors,
  clipGradNorm, gradNorm, clipGradValue,
  LRScheduler, constant as constantSchedule, linearWarmup, cosineDecay, inverseSqrt, compose, chain, sequential,
} from './optim/index';
export type {
  OptimizerStateDict, OptimizerTensors, ParamGroup, ParamGroupInput, ParamsInput, ParamState, SGDOptions, AdamOptions,
  ClipGradNormOptions, GradNormOptions, CosineDecayOptions, LRSchedulerState, Schedule,
} from './optim/index';
