// @lnlab/core: tensors on typed arrays, kernels, reverse-mode autograd, gradcheck, seeded RNG, safetensors I/O.
export { Tensor, tensor } from './tensor';
export type { NestedArray, TensorOptions, BackwardOptions } from './tensor';
export type { DType, FloatDType, TypedArray, FloatArray } from './dtype';
export type { Shape } from './shape';
export { fmt as formatShape, numel, broadcastShapes } from './shape';
export * from './ops/index';
export { zeros, ones, full, zerosLike, onesLike, arange, eye, rand, randn, randint, manualSeed, getDefaultGenerator } from './ops/creation';
export type { FactoryOptions, RandomOptions } from './ops/creation';
export { Generator } from './random';
export type { GeneratorState } from './random';
export { grad, zeroGrad, AnomalyError } from './autograd/engine';
export type { GradOptions } from './autograd/engine';
export { noGrad, enableGrad, isGradEnabled, detectAnomaly } from './autograd/mode';
export { defineOp } from './autograd/custom';
export type { OpDefinition } from './autograd/custom';
export { gradcheck, gradgradcheck, GradcheckError } from './autograd/gradcheck';
export type { GradcheckOptions, GradgradcheckOptions, GradcheckFailure } from './autograd/gradcheck';
export { toDot } from './autograd/graph';
export type { Node } from './autograd/node';
export * from './safetensors/index';
export { loadSafetensors, saveSafetensors } from './io';
// Kernels for fused ops built outside core (nn's LayerNorm and attention): plain typed-array functions, no autograd.
export { layerNormForward, layerNormBackward } from './kernels/layer-norm';
export { rmsNormForward, rmsNormBackward } from './kernels/rms-norm';
export { gemmBatched } from './kernels/matmul';
export { softmaxForward, softmaxBackward } from './kernels/softmax';
export { binaryKernel, unaryKernel } from './kernels/elementwise';
export { adamUpdate } from './kernels/adam';
export type { AdamCoefficients } from './kernels/adam';
export type { BinaryOp } from './kernels/elementwise';
// Kernel backends: WebAssembly SIMD for float32 where available, plain TypeScript otherwise (or when forced).
// Storage recycling: gradients that die during a backward pass are reused by later allocations.
export { setBufferRecycling, bufferPoolStats } from './buffer-pool';
export type { BufferPoolStats } from './buffer-pool';
export { setGemmBackend, gemmBackend } from './kernels/matmul';
export { wasmGemmFeature } from './kernels/wasm/gemm';
export type { WasmGemmFeature } from './kernels/wasm/gemm';
export type { GemmBackend } from './kernels/matmul';
export { enableGemmThreads, disableGemmThreads, gemmThreads, runGemmWorker, GEMM_THREADS_MIN_MNK } from './kernels/wasm/gemm-threads';
export type { GemmWorkerLike, GemmWorkerSpawn, GemmWorkerInit, GemmThreadsOptions } from './kernels/wasm/gemm-threads';
export { setElementwiseBackend, elementwiseBackend } from './kernels/wasm/elementwise';
export type { ElementwiseBackend } from './kernels/wasm/elementwise';
