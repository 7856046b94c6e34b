// Fused scaled dot-product attention: S = q·kᵀ·scale (+ additive masks, −∞ where blocked), P = softmax(S),
// O = P·v, as one op with a hand-written VJP (dV = Pᵀ·dO, dP = dO·vᵀ, dS = P⊙(dP − Σ dP⊙P), dQ = dS·k·scale,
// dK = dSᵀ·q·scale), every product a gemm in a transposed layout (no transpose is materialised).
//
// It computes exactly what the op-by-op composite (`attentionComposite`) computes, in the same order and with
// the same kernels (bitwise equal in float64 and float32): the composite is also the op's `composite`, so
// recorded backward passes (createGraph, gradgradcheck) differentiate it.
import { Tensor, add, binaryKernel, defineOp, gemmBatched, maskedFill, matmul, mm, mul, softmax, softmaxBackward, softmaxForward, zeros } from '@lnlab/core';
import type { FloatArray, TypedArray } from '@lnlab/core';

export interface AttentionMasks {
  /** Non-zero = blocked (score −∞); each broadcasts to the scores [..., L, S]. */
  blocked: Tensor[];
  /** Added to the scaled scores (in order), each broadcasting to [..., L, S]. */
  additive: Tensor[];
}

export interface FusedAttentionResult {
  output: Tensor;
  weights: Tensor;
  logits: Tensor;
}

/** The scaled, masked scores from primitives: mul(mm(q, k, ᵀ), scale), then the additive masks, then −∞ fills. */
export function attentionScoresComposite(q: Tensor, k: Tensor, scale: number, masks: AttentionMasks): Tensor {
  let s = mul(mm(q, k, false, true), scale);
  for (const a of masks.additive) s = add(s, a);
  for (const b of masks.blocked) s = maskedFill(s, b, -Infinity);
  return s;
}

/** The reference formulation: scores, softmax, P·v as separately recorded ops. */
export function attentionComposite(q: Tensor, k: Tensor, v: Tensor, scale: number, masks: AttentionMasks): FusedAttentionResult {
  const logits = attentionScoresComposite(q, k, scale, masks);
  const weights = softmax(logits, -1);
  return { output: matmul(weights, v), weights, logits };
}

/** A mask's element strides within [...batch, L, S] (0 along broadcast axes), or null if it does not broadcast. */
function maskStrides(shape: readonly number[], target: readonly number[]): number[] | null {
  if (shape.length > target.length) return null;
  const out = new Array<number>(target.length).fill(0);
  let s = 1;
  for (let i = shape.length - 1, j = target.length - 1; i >= 0; i--, j--) {
    const d = shape[i]!;
    if (d !== 1 && d !== target[j]) return null;
    out[j] = d === 1 ? 0 : s;
    s *= d;
  }
  return out;
}

/** A mask laid over the batch of [L, S] score matrices: its data and where each matrix / row / column starts. */
interface MaskView {
  data: TypedArray;
  /** Offset of batch matrix b's (0, 0) element. */
  bases: Int32Array;
  rowStride: number;
  colStride: number;
  /** When every batch matrix sees the same [L, S] mask (e.g. causal): the flat i·S + j of its non-zero entries. */
  shared: Int32Array | null;
}

function maskView(m: Tensor, batch: readonly number[], L: number, S: number): MaskView | null {
  const st = maskStrides(m.shape, [...batch, L, S]);
  if (!st) return null;
  const nb = batch.reduce((p, d) => p * d, 1);
  const bases = new Int32Array(nb);
  const idx = new Array<number>(batch.length).fill(0);
  let off = 0;
  for (let b = 0; b < nb; b++) {
    bases[b] = off;
    for (let d = batch.length - 1; d >= 0; d--) {
      idx[d]!++;
      off += st[d]!;
      if (idx[d]! < batch[d]!) break;
      off -= st[d]! * batch[d]!;
      idx[d] = 0;
    }
  }
  const view: MaskView = { data: m.data, bases, rowStride: st[batch.length]!, colStride: st[batch.length + 1]!, shared: null };
  if (bases.every((o) => o === bases[0])) {
    const at: number[] = [];
    for (let i = 0; i < L; i++) for (let j = 0; j < S; j++) if (m.data[bases[0]! + i * view.rowStride + j * view.colStride]) at.push(i * S + j);
    view.shared = Int32Array.from(at);
  }
  return view;
}

/** s[…] = value at every masked position of every batch matrix. */
function fillMasked(s: FloatArray, m: MaskView, nb: number, L: number, S: number, value: number): void {
  if (m.shared) {
    const at = m.shared;
    for (let b = 0, base = 0; b < nb; b++, base += L * S) for (let k = 0; k < at.length; k++) s[base + at[k]!] = value;
    return;
  }
  const md = m.data, rs = m.rowStride, cs = m.colStride;
  for (let b = 0; b < nb; b++) {
    for (let i = 0; i < L; i++) {
      const o = (b * L + i) * S, mo = m.bases[b]! + i * rs;
      for (let j = 0; j < S; j++) if (md[mo + j * cs]) s[o + j] = value;
    }
  }
}

/** a *= sc in place, with core's elementwise kernel (WebAssembly for float32). */
function scaleInPlace(a: FloatArray, sc: number): void {
  const c = a instanceof Float32Array ? new Float32Array([sc]) : new Float64Array([sc]);
  binaryKernel('mul', a, [a.length], c, [], a, [a.length]);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Zeroes blocked positions of g and multiplies the rest by sc (the VJP of the masking and the scaling). */
function maskAndScaleGrad(g: FloatArray, blocked: MaskView[], nb: number, L: number, S: number, sc: number): void {
  scaleInPlace(g, sc);
  for (const m of blocked) fillMasked(g, m, nb, L, S, 0);
}

/**
 * Fused attention over matching batches q [..., L, E], k [..., S, E], v [..., S, Ev] (same float dtype, same
 * leading shape), or null when the inputs fall outside what the fused op handles (mismatched dtypes or batch
 * shapes, masks that do not broadcast to the scores or would promote them, masks requiring grad): the caller
 * then uses the composite. `output` is differentiable through the fused VJP; `weights` and `logits` are too
 * (each through a small op reusing the forward's P / S) when some input requires grad.
 */
export function fusedAttention(q: Tensor, k: Tensor, v: Tensor, scale: number, masks: AttentionMasks): FusedAttentionResult | null {
  const dtype = q.dtype;
  if ((dtype !== 'float32' && dtype !== 'float64') || k.dtype !== dtype || v.dtype !== dtype) return null;
  if (q.ndim < 2 || k.ndim !== q.ndim || v.ndim !== q.ndim) return null;
  const nd = q.ndim;
  const batch = q.shape.slice(0, nd - 2);
  if (!sameShape(k.shape.slice(0, nd - 2), batch) || !sameShape(v.shape.slice(0, nd - 2), batch)) return null;
  const L = q.shape[nd - 2]!, E = q.shape[nd - 1]!, S = k.shape[nd - 2]!, Ev = v.shape[nd - 1]!;
  if (k.shape[nd - 1] !== E || v.shape[nd - 2] !== S) return null;
  for (const a of masks.additive) {
    if (a.requiresGrad || !(a.dtype === dtype || (dtype === 'float64' && a.dtype === 'float32'))) return null;
  }
  const blocked: MaskView[] = [];
  const additive: MaskView[] = [];
  for (const m of masks.blocked) {
    const mv = maskView(m, batch, L, S);
    if (!mv) return null;
    blocked.push(mv);
  }
  for (const m of masks.additive) {
    const mv = maskView(m, batch, L, S);
    if (!mv) return null;
    additive.push(mv);
  }
  const nb = batch.reduce((p, d) => p * d, 1);
  // mul(t, scale) rounds the scalar to t's dtype first.
  const sc = dtype === 'float32' ? Math.fround(scale) : scale;
  const alloc = (n: number): FloatArray => zeros([n], { dtype }).data as FloatArray; // recyclable storage
  const scoreShape = [...batch, L, S];

  /** S = q·kᵀ·sc, masked; P = softmax(S). */
  const scoresAndWeights = (qd: FloatArray, kd: FloatArray): { s: FloatArray; p: FloatArray } => {
    const s = alloc(nb * L * S);
    gemmBatched(qd, L * E, kd, S * E, s, L * S, nb, L, E, S, false, true, false);
    scaleInPlace(s, sc);
    for (const m of additive) {
      const md = m.data, rs = m.rowStride, cs = m.colStride;
      for (let b = 0; b < nb; b++) {
        for (let i = 0; i < L; i++) {
          const o = (b * L + i) * S, mo = m.bases[b]! + i * rs;
          for (let j = 0; j < S; j++) s[o + j] = s[o + j]! + md[mo + j * cs]!;
        }
      }
    }
    for (const m of blocked) fillMasked(s, m, nb, L, S, -Infinity);
    const p = alloc(nb * L * S);
    softmaxForward(s, p, S);
    return { s, p };
  };

  /** dQ = dS·k, dK = dSᵀ·q from dS (the scores' gradient after masking and scaling). */
  const qkGrads = (ds: FloatArray, qt: Tensor, kt: Tensor): (Tensor | null)[] => {
    let dq: Tensor | null = null;
    let dk: Tensor | null = null;
    if (qt.requiresGrad) {
      const d = alloc(nb * L * E);
      gemmBatched(ds, L * S, kt.data as FloatArray, S * E, d, L * E, nb, L, S, E, false, false, false);
      dq = new Tensor(d, qt.shape);
    }
    if (kt.requiresGrad) {
      const d = alloc(nb * S * E);
      gemmBatched(ds, L * S, qt.data as FloatArray, L * E, d, S * E, nb, S, L, E, true, false, false);
      dk = new Tensor(d, kt.shape);
    }
    return [dq, dk];
  };

  // Per forward evaluation (keyed by its output's storage): the forward's P, for the backward.
  const saved = new WeakMap<TypedArray, FloatArray>();
  let first: { s: FloatArray; p: FloatArray } | null = null;

  const outputOp = defineOp('scaledDotProductAttention', {
    forward: ([qt, kt, vt]) => {
      const r = scoresAndWeights(qt!.data as FloatArray, kt!.data as FloatArray);
      first ??= r;
      const o = alloc(nb * L * Ev);
      gemmBatched(r.p, L * S, vt!.data as FloatArray, S * Ev, o, L * Ev, nb, L, S, Ev, false, false, false);
      saved.set(o, r.p);
      return new Tensor(o, [...batch, L, Ev]);
    },
    backward: (grad, [qt, kt, vt], out) => {
      const p = saved.get(out.data);
      if (!p) throw new Error('scaledDotProductAttention: the forward state of this output is gone');
      const go = grad.data as FloatArray;
      let dv: Tensor | null = null;
      if (vt!.requiresGrad) {
        const d = alloc(nb * S * Ev);
        gemmBatched(p, L * S, go, L * Ev, d, S * Ev, nb, S, L, Ev, true, false, false);
        dv = new Tensor(d, vt!.shape);
      }
      if (!qt!.requiresGrad && !kt!.requiresGrad) return [null, null, dv];
      const dp = alloc(nb * L * S);
      gemmBatched(go, L * Ev, vt!.data as FloatArray, S * Ev, dp, L * S, nb, L, Ev, S, false, true, false);
      const ds = alloc(nb * L * S);
      softmaxBackward(dp, p, ds, S);
      maskAndScaleGrad(ds, blocked, nb, L, S, sc);
      return [...qkGrads(ds, qt!, kt!), dv];
    },
    composite: ([qt, kt, vt]) => attentionComposite(qt!, kt!, vt!, scale, masks).output,
  });

  const output = outputOp(q, k, v);
  const r = first as { s: FloatArray; p: FloatArray } | null;
  if (!r) throw new Error('scaledDotProductAttention: internal error (no forward state)');
  first = null;
  const pT = new Tensor(r.p, scoreShape);
  const sT = new Tensor(r.s, scoreShape);
  if (!output.requiresGrad) return { output, weights: pT, logits: sT };

  // Differentiable weights and logits: the forward hands over the P / S already computed (a replay recomputes).
  let handP: FloatArray | null = r.p;
  const weightsOp = defineOp('attentionWeights', {
    forward: ([qt, kt]) => {
      const p = handP ?? scoresAndWeights(qt!.data as FloatArray, kt!.data as FloatArray).p;
      handP = null;
      return new Tensor(p, scoreShape);
    },
    backward: (grad, [qt, kt], out) => {
      const ds = alloc(nb * L * S);
      softmaxBackward(grad.data as FloatArray, out.data as FloatArray, ds, S);
      maskAndScaleGrad(ds, blocked, nb, L, S, sc);
      return qkGrads(ds, qt!, kt!);
    },
    composite: ([qt, kt]) => softmax(attentionScoresComposite(qt!, kt!, scale, masks), -1),
  });
  let handS: FloatArray | null = r.s;
  const logitsOp = defineOp('attentionLogits', {
    forward: ([qt, kt]) => {
      const s = handS ?? scoresAndWeights(qt!.data as FloatArray, kt!.data as FloatArray).s;
      handS = null;
      return new Tensor(s, scoreShape);
    },
    backward: (grad, [qt, kt]) => {
      const ds = (grad.data as FloatArray).slice();
      maskAndScaleGrad(ds, blocked, nb, L, S, sc);
      return qkGrads(ds, qt!, kt!);
    },
    composite: ([qt, kt]) => attentionScoresComposite(qt!, kt!, scale, masks),
  });
  return { output, weights: weightsOp(q, k), logits: logitsOp(q, k) };
}
