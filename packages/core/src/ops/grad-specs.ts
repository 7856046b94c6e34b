// The one table of gradient specs for core's differentiable ops (JAX's LAX_GRAD_OPS, PyTorch's OpInfo).
// Adding an op = its op file + a row here; grad-specs.test.ts fails for an exported op without a row.
import type { GradSpec } from '../testing/grad-spec';
import { tensor } from '../tensor';
import * as ops from './index';

const idx = (values: number[], shape?: number[]) => tensor(values, { dtype: 'int32', shape: shape ?? [values.length] });
const mask = (values: number[], shape: number[]) => tensor(values, { dtype: 'int32', shape });

export const coreGradSpecs: GradSpec[] = [
  // Broadcasting arithmetic.
  { op: 'add', label: 'same shape [2,3]', shapes: [[2, 3], [2, 3]], fn: ops.add, order: 2 },
  { op: 'add', label: 'broadcast [2,3]+[3]', shapes: [[2, 3], [3]], fn: ops.add, order: 2 },
  { op: 'add', label: 'broadcast [2,1,4]+[3,1]', shapes: [[2, 1, 4], [3, 1]], fn: ops.add },
  { op: 'add', label: 'tensor + scalar', shapes: [[3]], fn: (a) => ops.add(a, 2.5) },
  { op: 'sub', label: 'broadcast [2,3]-[2,1]', shapes: [[2, 3], [2, 1]], fn: ops.sub, order: 2 },
  { op: 'sub', label: 'scalar - tensor', shapes: [[4]], fn: (a) => ops.sub(1, a) },
  { op: 'mul', label: 'broadcast [2,3]*[3]', shapes: [[2, 3], [3]], fn: ops.mul, order: 2 },
  { op: 'mul', label: 'broadcast [4,1]*[1,3]', shapes: [[4, 1], [1, 3]], fn: ops.mul },
  { op: 'mul', label: 'same tensor twice', shapes: [[3]], fn: (a) => ops.mul(a, a), order: 2 },
  { op: 'div', label: 'broadcast [2,3]/[3]', shapes: [[2, 3], [3]], domain: ['real', 'positive'], fn: ops.div, order: 2 },
  { op: 'div', label: 'scalar / tensor', shapes: [[3]], domain: 'positive', fn: (a) => ops.div(2, a) },
  { op: 'pow', label: 'tensor ** tensor [2,3]', shapes: [[2, 3], [2, 3]], domain: ['positive', 'real'], fn: ops.pow, order: 2 },
  { op: 'pow', label: 'tensor ** 3 (negative base)', shapes: [[5]], fn: (a) => ops.pow(a, 3), order: 2 },
  { op: 'pow', label: 'broadcast [2,3] ** [3]', shapes: [[2, 3], [3]], domain: ['positive', 'real'], fn: ops.pow },
  { op: 'maximum', label: 'broadcast [2,3] vs [3]', shapes: [[2, 3], [3]], domain: 'distinct', fn: ops.maximum, order: 2 },
  { op: 'minimum', label: 'broadcast [2,3] vs [2,1]', shapes: [[2, 3], [2, 1]], domain: 'distinct', fn: ops.minimum, order: 2 },
  { op: 'neg', label: '[2,3]', shapes: [[2, 3]], fn: ops.neg, order: 2 },

  // Elementwise.
  { op: 'exp', label: '[2,3]', shapes: [[2, 3]], fn: ops.exp, order: 2 },
  { op: 'log', label: 'positive [2,3]', shapes: [[2, 3]], domain: 'positive', fn: ops.log, order: 2 },
  { op: 'sqrt', label: 'positive [4]', shapes: [[4]], domain: 'positive', fn: ops.sqrt, order: 2 },
  { op: 'rsqrt', label: 'positive [4]', shapes: [[4]], domain: 'positive', fn: ops.rsqrt, order: 2 },
  { op: 'abs', label: 'away from 0 [5]', shapes: [[5]], domain: 'awayFromZero', fn: ops.abs, order: 2 },
  { op: 'tanh', label: '[2,3]', shapes: [[2, 3]], fn: ops.tanh, order: 2 },
  { op: 'sigmoid', label: '[2,3]', shapes: [[2, 3]], fn: ops.sigmoid, order: 2 },
  { op: 'relu', label: 'away from 0 [6]', shapes: [[6]], domain: 'awayFromZero', fn: ops.relu, order: 2 },
  { op: 'erf', label: '[2,3]', shapes: [[2, 3]], fn: ops.erf, order: 2 },
  { op: 'square', label: '[4]', shapes: [[4]], fn: ops.square, order: 2 },
  { op: 'clamp', label: 'min and max', shapes: [[8]], domain: 'distinct', fn: (a) => ops.clamp(a, -0.25, 0.25), order: 2 },
  { op: 'clamp', label: 'min only', shapes: [[6]], domain: 'awayFromZero', fn: (a) => ops.clamp(a, 0) },
  { op: 'gelu', label: 'erf form [2,4]', shapes: [[2, 4]], fn: (a) => ops.gelu(a), order: 2 },
  { op: 'gelu', label: 'tanh form [2,4]', shapes: [[2, 4]], fn: (a) => ops.gelu(a, { approximate: 'tanh' }), order: 2 },

  // Reductions.
  { op: 'sum', label: 'all axes [2,3]', shapes: [[2, 3]], fn: (a) => ops.sum(a), order: 2 },
  { op: 'sum', label: 'axis 1 keepdim [2,3,2]', shapes: [[2, 3, 2]], fn: (a) => ops.sum(a, 1, { keepdim: true }), order: 2 },
  { op: 'sum', label: 'axes [0,2] [2,3,2]', shapes: [[2, 3, 2]], fn: (a) => ops.sum(a, [0, 2]) },
  { op: 'mean', label: 'axis -1 [3,4]', shapes: [[3, 4]], fn: (a) => ops.mean(a, -1), order: 2 },
  { op: 'mean', label: 'axes [0,1] keepdim [2,3,2]', shapes: [[2, 3, 2]], fn: (a) => ops.mean(a, [0, 1], { keepdim: true }) },
  { op: 'max', label: 'axis 1 [3,4]', shapes: [[3, 4]], domain: 'distinct', fn: (a) => ops.max(a, 1), order: 2 },
  { op: 'max', label: 'all axes [2,3]', shapes: [[2, 3]], domain: 'distinct', fn: (a) => ops.max(a) },
  { op: 'variance', label: 'unbiased axis -1 [3,5]', shapes: [[3, 5]], fn: (a) => ops.variance(a, -1), order: 2 },
  { op: 'variance', label: 'biased axes [0,2] keepdim', shapes: [[2, 3, 4]], fn: (a) => ops.variance(a, [0, 2], { correction: 0, keepdim: true }) },
  { op: 'std', label: 'unbiased axis 0 [4,3]', shapes: [[4, 3]], fn: (a) => ops.std(a, 0), order: 2 },
  { op: 'std', label: 'biased all [2,5]', shapes: [[2, 5]], fn: (a) => ops.std(a, undefined, { correction: 0 }) },
  { op: 'center', label: 'axis -1 [3,4]', shapes: [[3, 4]], fn: (a) => ops.center(a, -1), order: 2 },
  { op: 'sumTo', label: '[2,3,4] to [3,1]', shapes: [[2, 3, 4]], fn: (a) => ops.sumTo(a, [3, 1]), order: 2 },

  // Products.
  { op: 'mm', label: '[3,4]x[4,2]', shapes: [[3, 4], [4, 2]], fn: (a, b) => ops.mm(a!, b!), order: 2 },
  { op: 'mm', label: 'transA [4,3]ᵀx[4,2]', shapes: [[4, 3], [4, 2]], fn: (a, b) => ops.mm(a!, b!, true, false), order: 2 },
  { op: 'mm', label: 'transB [3,4]x[2,4]ᵀ', shapes: [[3, 4], [2, 4]], fn: (a, b) => ops.mm(a!, b!, false, true), order: 2 },
  { op: 'mm', label: 'both [4,3]ᵀx[2,4]ᵀ', shapes: [[4, 3], [2, 4]], fn: (a, b) => ops.mm(a!, b!, true, true), order: 2 },
  { op: 'mm', label: 'batch broadcast [2,1,3,4]x[3,4,2]', shapes: [[2, 1, 3, 4], [3, 4, 2]], fn: (a, b) => ops.mm(a!, b!) },
  { op: 'matmul', label: 'batched [2,3,4]x[2,4,5]', shapes: [[2, 3, 4], [2, 4, 5]], fn: (a, b) => ops.matmul(a!, b!), order: 2 },
  { op: 'matmul', label: 'batched x 2-d [2,3,4]x[4,2]', shapes: [[2, 3, 4], [4, 2]], fn: (a, b) => ops.matmul(a!, b!), order: 2 },
  { op: 'matmul', label: 'vector · vector [4]', shapes: [[4], [4]], fn: (a, b) => ops.matmul(a!, b!) },
  { op: 'matmul', label: 'matrix x vector [3,4]x[4]', shapes: [[3, 4], [4]], fn: (a, b) => ops.matmul(a!, b!) },
  { op: 'matmul', label: 'vector x batched [4]x[2,4,3]', shapes: [[4], [2, 4, 3]], fn: (a, b) => ops.matmul(a!, b!) },
  { op: 'linear', label: '[2,3,4] with W [5,4], b [5]', shapes: [[2, 3, 4], [5, 4], [5]], fn: (x, w, b) => ops.linear(x!, w!, b), order: 2 },

  // Shapes.
  { op: 'reshape', label: '[2,6] to [3,-1]', shapes: [[2, 6]], fn: (a) => ops.reshape(a, [3, -1]), order: 2 },
  { op: 'flatten', label: '[2,3,2] dims 1..2', shapes: [[2, 3, 2]], fn: (a) => ops.flatten(a, 1) },
  { op: 'permute', label: '[2,3,4] → [2,0,1]', shapes: [[2, 3, 4]], fn: (a) => ops.permute(a, [2, 0, 1]), order: 2 },
  { op: 'transpose', label: '[2,3,4] dims 0,2', shapes: [[2, 3, 4]], fn: (a) => ops.transpose(a, 0, 2) },
  { op: 'expand', label: '[3,1] to [2,3,4]', shapes: [[3, 1]], fn: (a) => ops.expand(a, [2, 3, 4]), order: 2 },
  { op: 'squeeze', label: '[2,1,3]', shapes: [[2, 1, 3]], fn: (a) => ops.squeeze(a) },
  { op: 'unsqueeze', label: '[2,3] at -1', shapes: [[2, 3]], fn: (a) => ops.unsqueeze(a, -1) },
  { op: 'slice', label: '[4,5] dim 1 [1:4]', shapes: [[4, 5]], fn: (a) => ops.slice(a, 1, 1, 4), order: 2 },
  { op: 'slice', label: '[4,3] dim 0 [-2:]', shapes: [[4, 3]], fn: (a) => ops.slice(a, 0, -2) },
  { op: 'sliceBackward', label: '[2,2] into [2,5] at 1', shapes: [[2, 2]], fn: (g) => ops.sliceBackward(g, [2, 5], 1, 1), order: 2 },
  { op: 'concat', label: '[2,3]+[2,1] dim 1', shapes: [[2, 3], [2, 1]], fn: (a, b) => ops.concat([a!, b!], 1), order: 2 },
  { op: 'stack', label: 'three [2,2] at 1', shapes: [[2, 2], [2, 2], [2, 2]], fn: (a, b, c) => ops.stack([a!, b!, c!], 1) },
  { op: 'split', label: '[5,2] into [2,3]', shapes: [[5, 2]], fn: (a) => ops.split(a, [2, 3], 0) },
  { op: 'split', label: '[2,5] in chunks of 2', shapes: [[2, 5]], fn: (a) => ops.split(a, 2, 1) },

  // Indexing.
  { op: 'indexSelect', label: 'rows of [5,3] with repeats', shapes: [[5, 3]], fn: (a) => ops.indexSelect(a, 0, idx([4, 0, 4, 2])), order: 2 },
  { op: 'indexSelect', label: 'columns of [2,4]', shapes: [[2, 4]], fn: (a) => ops.indexSelect(a, 1, idx([3, 1])) },
  { op: 'indexAdd', label: 'into [4,2] with repeats', shapes: [[4, 2], [3, 2]], fn: (b, s) => ops.indexAdd(b!, 0, idx([1, 3, 1]), s!), order: 2 },
  { op: 'gather', label: '[3,4] dim 1', shapes: [[3, 4]], fn: (a) => ops.gather(a, 1, idx([0, 3, 2, 2, 1, 0], [3, 2])), order: 2 },
  { op: 'scatterAdd', label: '[3,4] dim 1', shapes: [[3, 4], [3, 2]], fn: (b, s) => ops.scatterAdd(b!, 1, idx([0, 3, 2, 2, 1, 0], [3, 2]), s!), order: 2 },
  { op: 'where', label: 'broadcast cond [3] a [2,3] b [1]', shapes: [[2, 3], [1]], fn: (a, b) => ops.where(mask([1, 0, 1], [3]), a!, b!), order: 2 },
  { op: 'maskedFill', label: '[2,3] with row mask [2,1]', shapes: [[2, 3]], fn: (a) => ops.maskedFill(a, mask([0, 1], [2, 1]), -2) },

  // Softmax family.
  { op: 'softmax', label: 'last axis [2,5]', shapes: [[2, 5]], fn: (a) => ops.softmax(a, -1), order: 2 },
  { op: 'softmax', label: 'axis 0 [3,2]', shapes: [[3, 2]], fn: (a) => ops.softmax(a, 0) },
  { op: 'logSoftmax', label: 'last axis [3,4]', shapes: [[3, 4]], fn: (a) => ops.logSoftmax(a, -1), order: 2 },
  { op: 'logSoftmax', label: 'axis 0 [3,2]', shapes: [[3, 2]], fn: (a) => ops.logSoftmax(a, 0) },
  { op: 'softmaxComposite', label: 'last axis [2,4]', shapes: [[2, 4]], fn: (a) => ops.softmaxComposite(a, -1), order: 2 },
  { op: 'logSoftmaxComposite', label: 'last axis [2,4]', shapes: [[2, 4]], fn: (a) => ops.logSoftmaxComposite(a, -1), order: 2 },
  // Through float32 and back: linear, so a large eps keeps float32 rounding out of the differences.
  { op: 'cast', label: 'float64 → float32 → float64', shapes: [[3]], fn: (a) => ops.cast(ops.cast(a, 'float32'), 'float64'), options: { eps: 0.1 } },
];
