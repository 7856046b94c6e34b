// Scaled dot-product attention and MultiheadAttention with PyTorch's packed projection layout.
import {
  Tensor, add, formatShape, linear, maskedFill, matmul, mm, mul, permute, reshape, slice, softmax,
} from '@lnlab/core';
import type { Generator } from '@lnlab/core';
import { fusedAttention } from './fused-attention';
import { Dropout } from './layers';
import { Linear } from './layers';
import { Module, Parameter } from './module';
import { constant, xavierUniform } from './init';
import type { InitOptions } from './init';

/** An int32 [L, S] mask, 1 where key j is later than query i (blocked by causality; top-left aligned). */
export function causalMask(l: number, s: number): Tensor {
  const m = new Int32Array(l * s);
  for (let i = 0; i < l; i++) for (let j = i + 1; j < s; j++) m[i * s + j] = 1;
  return new Tensor(m, [l, s]);
}

export interface SDPAOptions {
  /** int32: non-zero = may attend (PyTorch SDPA's boolean convention); float: added to the scores. */
  attnMask?: Tensor | null;
  isCausal?: boolean;
  /** Default 1/√E. */
  scale?: number;
  dropout?: Dropout | null;
}

export interface AttentionResult {
  output: Tensor;
  /** The attention probabilities [..., L, S] (per head). */
  weights: Tensor;
  /** The scaled, masked scores before the softmax [..., L, S] (−∞ where masked): for telemetry. */
  logits: Tensor;
}

function applyMasks(scores: Tensor, blocked: Tensor[], additive: Tensor[]): Tensor {
  let s = scores;
  for (const a of additive) s = add(s, a);
  for (const b of blocked) s = maskedFill(s, b, -Infinity);
  return s;
}

/**
 * softmax(q·kᵀ·scale + mask)·v over the last two axes: q [..., L, E], k [..., S, E], v [..., S, Ev].
 * Masked scores are −∞ (never a finite large negative), so a masked key gets exactly zero weight.
 */
export function scaledDotProductAttentionWithWeights(q: Tensor, k: Tensor, v: Tensor, options: SDPAOptions = {}): AttentionResult {
  const E = q.shape[q.ndim - 1]!;
  if (q.ndim < 2 || k.ndim !== q.ndim || v.ndim !== q.ndim || k.shape[k.ndim - 1] !== E || k.shape[k.ndim - 2] !== v.shape[v.ndim - 2]) {
    throw new Error(`scaledDotProductAttention: incompatible q ${formatShape(q.shape)}, k ${formatShape(k.shape)}, v ${formatShape(v.shape)}`);
  }
  const L = q.shape[q.ndim - 2]!;
  const S = k.shape[k.ndim - 2]!;
  const scale = options.scale ?? 1 / Math.sqrt(E);
  const blocked: Tensor[] = [];
  const additive: Tensor[] = [];
  if (options.isCausal) blocked.push(causalMask(L, S));
  const m = options.attnMask;
  if (m) {
    if (m.dtype === 'int32') {
      const inv = new Tensor(m.data.map((x) => (x ? 0 : 1)), m.shape);
      blocked.push(inv);
    } else additive.push(m);
  }
  // Dropout on P needs P as a recorded op: the composite path. Otherwise the fused op (null if it can't take these inputs).
  const fused = options.dropout ? null : fusedAttention(q, k, v, scale, { blocked, additive });
  if (fused) return fused;
  const scores = applyMasks(mul(mm(q, k, false, true), scale), blocked, additive);
  const weights = softmax(scores, -1);
  const p = options.dropout ? options.dropout.forward(weights) : weights;
  return { output: matmul(p, v), weights, logits: scores };
}

/** PyTorch's `F.scaled_dot_product_attention` (output only). */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: SDPAOptions = {}): Tensor {
  return scaledDotProductAttentionWithWeights(q, k, v, options).output;
}

export interface MultiheadAttentionOptions extends InitOptions {
  bias?: boolean;
  dropout?: number;
  generator?: Generator;
}

export interface MHAForwardOptions {
  /** [B, S] int32/float: non-zero = a padded key to ignore (PyTorch's key_padding_mask convention). */
  keyPaddingMask?: Tensor | null;
  /** [L, S] or [B·H, L, S]: int32 non-zero = NOT allowed (PyTorch MHA's convention), or float added to scores. */
  attnMask?: Tensor | null;
  isCausal?: boolean;
}

/**
 * nn.MultiheadAttention(embedDim, numHeads, batch_first=True): packed in_proj_weight [3E, E] = [Wq; Wk; Wv],
 * in_proj_bias [3E], out_proj (Linear E→E). Returns the output [B, L, E], the per-head weights [B, H, L, S] and the scores before the softmax.
 */
export class MultiheadAttention extends Module {
  in_proj_weight: Parameter;
  in_proj_bias: Parameter | null;
  out_proj: Linear;
  private readonly attnDropout: Dropout | null;
  readonly headDim: number;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    options: MultiheadAttentionOptions = {},
  ) {
    super();
    if (!Number.isInteger(embedDim) || !Number.isInteger(numHeads) || embedDim <= 0 || numHeads <= 0 || embedDim % numHeads !== 0) {
      throw new Error(`MultiheadAttention: embedDim (${embedDim}) must be divisible by numHeads (${numHeads}); pick dModel a multiple of nHead`);
    }
    this.headDim = embedDim / numHeads;
    // PyTorch: xavier_uniform_(in_proj_weight), in_proj_bias = 0, out_proj.bias = 0 (out_proj.weight: Linear's default).
    this.in_proj_weight = new Parameter(xavierUniform([3 * embedDim, embedDim], 1, options));
    const bias = options.bias ?? true;
    this.in_proj_bias = bias ? new Parameter(constant([3 * embedDim], 0, options)) : null;
    this.out_proj = new Linear(embedDim, embedDim, { ...options, bias });
    if (this.out_proj.bias) this.out_proj.bias = new Parameter(constant([embedDim], 0, options));
    const p = options.dropout ?? 0;
    this.attnDropout = p > 0 ? new Dropout(p, options.generator ? { generator: options.generator } : {}) : null;
  }

  private project(x: Tensor, part: number): Tensor {
    const E = this.embedDim;
    const w = slice(this.in_proj_weight, 0, part * E, (part + 1) * E);
    const b = this.in_proj_bias ? slice(this.in_proj_bias, 0, part * E, (part + 1) * E) : null;
    return linear(x, w, b);
  }

  /** [B, T, E] → [B, H, T, Dh] */
  private heads(x: Tensor): Tensor {
    const [B, T] = x.shape as [number, number, number];
    return permute(reshape(x, [B, T, this.numHeads, this.headDim]), [0, 2, 1, 3]);
  }

  forward(query: Tensor, key?: Tensor | null, value?: Tensor | null, options: MHAForwardOptions = {}): AttentionResult {
    const k = key ?? query;
    const v = value ?? k;
    const E = this.embedDim;
    for (const [name, t] of [['query', query], ['key', k], ['value', v]] as const) {
      if (t.ndim !== 3 || t.shape[2] !== E) throw new Error(`MultiheadAttention: ${name} must be [B, T, ${E}] (batch_first), got ${formatShape(t.shape)}`);
    }
    const [B, L] = query.shape as [number, number, number];
    const S = k.shape[1]!;
    if (k.shape[0] !== B || v.shape[0] !== B || v.shape[1] !== S) {
      throw new Error(`MultiheadAttention: batch/sequence sizes differ: query ${formatShape(query.shape)}, key ${formatShape(k.shape)}, value ${formatShape(v.shape)}`);
    }
    // Three products with row blocks of the packed weight (slicing the small weight, not the activations: a
    // split of one [B, T, 3E] product would copy the activations and scatter three full-size gradients back).
    const [q, kk, vv] = [this.project(query, 0), this.project(k, 1), this.project(v, 2)];
    const blocked: Tensor[] = [];
    const additive: Tensor[] = [];
    if (options.isCausal) blocked.push(causalMask(L, S));
    const am = options.attnMask;
    if (am) {
      const ok = (am.ndim === 2 && am.shape[0] === L && am.shape[1] === S) || (am.ndim === 3 && am.shape[0] === B * this.numHeads && am.shape[1] === L && am.shape[2] === S);
      if (!ok) throw new Error(`MultiheadAttention: attnMask must be [${L}, ${S}] or [${B * this.numHeads}, ${L}, ${S}], got ${formatShape(am.shape)}`);
      const m = am.ndim === 3 ? reshape(am, [B, this.numHeads, L, S]) : am;
      if (am.dtype === 'int32') blocked.push(m);
      else additive.push(m);
    }
    const kpm = options.keyPaddingMask;
    if (kpm) {
      if (kpm.ndim !== 2 || kpm.shape[0] !== B || kpm.shape[1] !== S) {
        throw new Error(`MultiheadAttention: keyPaddingMask must be [${B}, ${S}], got ${formatShape(kpm.shape)}`);
      }
      const m = reshape(kpm, [B, 1, 1, S]);
      if (kpm.dtype === 'int32') blocked.push(m);
      else additive.push(m);
    }
    const scale = 1 / Math.sqrt(this.headDim);
    const [qh, kh, vh] = [this.heads(q), this.heads(kk), this.heads(vv)];
    // Dropout on P (training) needs P as a recorded op: the composite path. Otherwise the fused op.
    const dropout = this.attnDropout && this.training ? this.attnDropout : null;
    const fused = dropout ? null : fusedAttention(qh, kh, vh, scale, { blocked, additive });
    if (fused) {
      const ctx = reshape(permute(fused.output, [0, 2, 1, 3]), [B, L, E]);
      return { output: this.out_proj.forward(ctx), weights: fused.weights, logits: fused.logits };
    }
    const scores = applyMasks(mul(mm(qh, kh, false, true), scale), blocked, additive);
    const weights = softmax(scores, -1);
    const p = dropout ? dropout.forward(weights) : weights;
    const ctx = reshape(permute(matmul(p, vh), [0, 2, 1, 3]), [B, L, E]);
    return { output: this.out_proj.forward(ctx), weights, logits: scores };
  }
}
