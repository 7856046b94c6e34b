// Every op, re-exported. Differentiable ones each have a row in ops/grad-specs.ts.
export { add, sub, mul, div, pow, maximum, minimum, neg } from './arith';
export { exp, log, sqrt, rsqrt, abs, tanh, sigmoid, relu, erf, square, clamp, gelu } from './unary';
export { sum, mean, max, variance, std, center, sumTo, argmax } from './reduce';
export type { Axes, ReduceOptions, VarOptions } from './reduce';
export { reshape, flatten, permute, transpose, expand, squeeze, unsqueeze } from './shape';
export { slice, sliceBackward, concat, stack, split } from './slice';
export { indexSelect, indexAdd, gather, scatterAdd } from './gather';
export { where, maskedFill } from './where';
export { softmax, logSoftmax, softmaxComposite, logSoftmaxComposite } from './softmax';
export { mm, matmul, linear } from './matmul';
export { cast } from './cast';
export { eq, ne, lt, le, gt, ge } from './compare';
export type { TensorLike } from './util';
