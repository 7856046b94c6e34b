// Gradient specs for every nn module and loss, checked by core's spec machinery (float64 gradcheck, and
// gradgradcheck for order 2). Module parameters are inputs too: they are drawn at random, not left at init.
import type { Tensor} from '@lnlab/core';
import { Generator, mul, sum, tensor } from '@lnlab/core';
import type { GradSpec } from '@lnlab/core/testing';
import type { Module } from './module';
import * as nn from './index';
import { dytComposite, dytFused } from './norm/dyt';
import { rmsNormComposite, rmsNormFused } from './norm/rms-norm';

/** A spec whose inputs are x (sampled) followed by every parameter of a freshly built float64 module. */
function moduleSpec(op: string, label: string, build: () => Module, xShape: number[], forward: (m: Module, x: Tensor) => Tensor, order: 1 | 2 = 1): GradSpec {
  let m: Module | undefined;
  return {
    op,
    label,
    shapes: [xShape],
    order,
    setup: ([x], gen) => {
      m = build().to('float64');
      for (const p of m.parameters()) for (let i = 0; i < p.size; i++) p.data[i] = 0.5 + 0.5 * gen.normal();
      return [x!, ...m.parameters()];
    },
    fn: (x) => forward(m!, x!),
  };
}

/** Holder for the module a parameter-only spec builds in its setup. */
const spec: { m: Module | undefined } = { m: undefined };

const call = (m: Module, x: Tensor): Tensor => (m.forward as (t: Tensor) => Tensor)(x);
const ints = (v: number[], shape: number[]) => tensor(v, { dtype: 'int32', shape });

export const nnGradSpecs: GradSpec[] = [
  moduleSpec('Linear', '[2,3,4] → 5', () => new nn.Linear(4, 5), [2, 3, 4], call, 2),
  moduleSpec('Linear', 'no bias [3,4] → 2', () => new nn.Linear(4, 2, { bias: false }), [3, 4], call),
  {
    op: 'Embedding',
    label: 'ids [2,3] into [5,4]',
    shapes: [],
    setup: (_x, gen) => {
      const e = new nn.Embedding(5, 4, { generator: gen }).to('float64');
      spec.m = e;
      return e.parameters();
    },
    fn: () => (spec.m as nn.Embedding).forward(ints([0, 4, 4, 1, 2, 0], [2, 3])),
  },
  {
    op: 'Dropout',
    label: 'p=0.3 with a reseeded mask',
    shapes: [[4, 5]],
    fn: (x) => new nn.Dropout(0.3, { generator: new Generator(9) }).forward(x!),
  },
  moduleSpec('GELU', 'tanh form', () => new nn.GELU('tanh'), [2, 3], call, 2),
  { op: 'ReLU', label: '[6]', shapes: [[6]], domain: 'awayFromZero', fn: (x) => new nn.ReLU().forward(x!) },
  { op: 'Identity', label: '[3]', shapes: [[3]], fn: (x) => new nn.Identity().forward(x!) },
  moduleSpec('Sequential', 'Linear → GELU → Linear', () => new nn.Sequential(new nn.Linear(3, 4), new nn.GELU(), new nn.Linear(4, 2)), [2, 3], call),

  // The normalization family.
  moduleSpec('LayerNorm', 'fused [2,3,5]', () => new nn.LayerNorm(5), [2, 3, 5], call, 2),
  moduleSpec('LayerNorm', 'composite [2,3,5]', () => new nn.LayerNorm(5, { impl: 'composite' }), [2, 3, 5], call, 2),
  moduleSpec('LayerNorm', 'normalizedShape [3,4]', () => new nn.LayerNorm([3, 4]), [2, 3, 4], call),
  moduleSpec('LayerNorm', 'no affine', () => new nn.LayerNorm(4, { elementwiseAffine: false }), [3, 4], call),
  moduleSpec('LayerNorm', 'weight, no bias', () => new nn.LayerNorm(4, { bias: false }), [3, 4], call),
  moduleSpec('LayerNorm', 'unbiased variance, ε outside', () => new nn.LayerNorm(5, { variance: 'unbiased', epsPlacement: 'outside' }), [3, 5], call, 2),
  {
    op: 'layerNormFused',
    label: 'x only',
    shapes: [[3, 4]],
    fn: (x) => nn.layerNormFused(x!, [4], null, null),
    order: 2,
  },
  { op: 'layerNormComposite', label: 'x only, ε outside', shapes: [[3, 4]], fn: (x) => nn.layerNormComposite(x!, [4], null, null, { epsPlacement: 'outside' }) },
  moduleSpec('RMSNorm', 'fused [2,3,5]', () => new nn.RMSNorm(5, { eps: 1e-6 }), [2, 3, 5], call, 2),
  moduleSpec('RMSNorm', 'composite [2,3,5]', () => new nn.RMSNorm(5, { eps: 1e-6, impl: 'composite' }), [2, 3, 5], call, 2),
  moduleSpec('RMSNorm', 'fused, normalizedShape [3,4]', () => new nn.RMSNorm([3, 4], { eps: 1e-6 }), [2, 3, 4], call),
  moduleSpec('RMSNorm', 'fused, no affine', () => new nn.RMSNorm(4, { eps: 1e-6, elementwiseAffine: false }), [3, 4], call, 2),
  { op: 'rmsNormFused', label: 'x only, default ε', shapes: [[3, 4]], fn: (x) => rmsNormFused(x!, [4], null), order: 2 },
  { op: 'rmsNormComposite', label: 'x only', shapes: [[3, 4]], fn: (x) => rmsNormComposite(x!, [4], null, 1e-6) },
  moduleSpec('DyT', 'fused [2,3,5]', () => new nn.DyT(5), [2, 3, 5], call, 2),
  moduleSpec('DyT', 'composite [2,3,5]', () => new nn.DyT(5, { impl: 'composite' }), [2, 3, 5], call, 2),
  { op: 'dytFused', label: 'x, α only [3,4]', shapes: [[3, 4], [1]], fn: (x, a) => dytFused(x!, a!, null, null), order: 2 },
  { op: 'dytFused', label: 'x, α, γ [2,3]', shapes: [[2, 3], [1], [3]], fn: (x, a, w) => dytFused(x!, a!, w!, null), order: 2 },
  { op: 'dytComposite', label: 'x, α, β [2,3]', shapes: [[2, 3], [1], [3]], fn: (x, a, b) => dytComposite(x!, a!, null, b!) },
  moduleSpec('BatchNorm1d', 'train [6,4]', () => new nn.BatchNorm1d(4), [6, 4], call, 2),
  moduleSpec('BatchNorm1d', 'train tokens [2,3,4]', () => new nn.BatchNorm1d(4), [2, 3, 4], call),
  moduleSpec('BatchNorm1d', 'eval [3,4]', () => new nn.BatchNorm1d(4).eval(), [3, 4], call),

  // Attention.
  {
    op: 'scaledDotProductAttention',
    label: 'causal q,k,v [2,3,4]',
    shapes: [[2, 3, 4], [2, 3, 4], [2, 3, 4]],
    fn: (q, k, v) => nn.scaledDotProductAttention(q!, k!, v!, { isCausal: true }),
    order: 2,
  },
  {
    op: 'scaledDotProductAttentionWithWeights',
    label: 'boolean mask, weights',
    shapes: [[3, 4], [2, 4], [2, 3]],
    fn: (q, k, v) => nn.scaledDotProductAttentionWithWeights(q!, k!, v!, { attnMask: ints([1, 0, 1, 1, 0, 1], [3, 2]) }).weights,
  },
  moduleSpec('MultiheadAttention', 'self, 2 heads [2,3,4]', () => new nn.MultiheadAttention(4, 2), [2, 3, 4], (m, x) => (m as nn.MultiheadAttention).forward(x).output, 2),
  moduleSpec(
    'MultiheadAttention',
    'causal + key padding [2,3,4]',
    () => new nn.MultiheadAttention(4, 2),
    [2, 3, 4],
    (m, x) => (m as nn.MultiheadAttention).forward(x, x, x, { isCausal: true, keyPaddingMask: ints([0, 0, 0, 0, 0, 1], [2, 3]) }).output,
  ),
  moduleSpec('MultiheadAttention', 'cross-attention q [2,2,4], kv [2,3,4]', () => new nn.MultiheadAttention(4, 2), [2, 2, 4], (m, x) => {
    const kv = tensor(Array.from({ length: 24 }, (_, i) => Math.sin(i)), { dtype: 'float64', shape: [2, 3, 4] });
    return (m as nn.MultiheadAttention).forward(x, kv, kv).output;
  }),

  // Encoder layers: each placement, several norm kinds.
  ...(['post', 'pre', 'sandwich'] as const).map((placement) =>
    moduleSpec('TransformerEncoderLayer', `${placement}-LN, gelu, causal`, () => new nn.TransformerEncoderLayer({ dModel: 4, nHead: 2, dimFeedforward: 6, dropout: 0, activation: 'gelu', placement }), [2, 3, 4], (m, x) => (m as nn.TransformerEncoderLayer).forward(x, { isCausal: true })),
  ),
  ...(['rmsnorm', 'dyt', 'batchnorm', 'none'] as const).map((norm) =>
    moduleSpec('TransformerEncoderLayer', `pre-${norm}, relu`, () => new nn.TransformerEncoderLayer({ dModel: 4, nHead: 2, dimFeedforward: 5, dropout: 0, norm, normFirst: true }), [2, 3, 4], call),
  ),
  moduleSpec('TransformerEncoder', '2 pre-LN layers + final norm', () => new nn.TransformerEncoder({ dModel: 4, nHead: 2, dimFeedforward: 5, dropout: 0, normFirst: true, activation: 'gelu' }, 2, { finalNorm: true }), [2, 3, 4], call),
  {
    op: 'TransformerLM',
    label: 'vocab 5, d 4, 1 layer, loss',
    shapes: [],
    setup: (_x, gen) => {
      const lm = new nn.TransformerLM({ vocabSize: 5, maxSeqLen: 4, dModel: 4, nHead: 2, numLayers: 1, dimFeedforward: 6, dropout: 0, activation: 'gelu', normFirst: true, generator: gen }).to('float64');
      spec.m = lm;
      return lm.parameters();
    },
    fn: () => nn.crossEntropy((spec.m as nn.TransformerLM).forward(ints([1, 4, 0, 2, 3, 3], [2, 3])), ints([4, 0, 2, 3, 3, 1], [2, 3])),
  },

  // Losses.
  { op: 'crossEntropy', label: '[4,5] with an ignored target', shapes: [[4, 5]], fn: (x) => nn.crossEntropy(x!, ints([1, -100, 4, 0], [4])), order: 2 },
  { op: 'crossEntropy', label: '[2,3,4] label smoothing 0.1, sum', shapes: [[2, 3, 4]], fn: (x) => nn.crossEntropy(x!, ints([0, 1, 2, 3, 3, 0], [2, 3]), { labelSmoothing: 0.1, reduction: 'sum' }), order: 2 },
  { op: 'crossEntropyComposite', label: '[3,4]', shapes: [[3, 4]], fn: (x) => nn.crossEntropyComposite(x!, ints([2, 0, 3], [3])) },
  { op: 'Module', label: 'hooks keep gradients (scaled output)', shapes: [[2, 3]], fn: (x) => {
    const l = new nn.Identity();
    l.registerForwardHook((_m, _i, out) => mul(out as Tensor, 2));
    return sum(l.forward(x!));
  } },
];
