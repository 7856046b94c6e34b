// 3. Causal scaled dot-product attention, forward + backward: q, k, v [B, H, T, Dh] → softmax(q·kᵀ/√Dh + mask)·v,
// loss = sum(out · g), gradients for q, k and v.
import { Tensor, mul, sum, tensor } from '@lnlab/core';
import { scaledDotProductAttention } from '@lnlab/nn';
import { jaxCausalAttention, loadJax } from '../peers/jax';
import { loadJsPytorch } from '../peers/js-pytorch';
import type { JsTensor, JsTorch } from '../peers/js-pytorch';
import { runTorch } from '../peers/pytorch';
import type { TorchStats } from '../peers/pytorch';
import { useTfjs } from '../peers/tfjs';
import type { Tf, TfTensor } from '../peers/tfjs';
import { measure } from '../timing';
import type { Stats } from '../timing';
import { ok } from '../types';
import type { Benchmark, BenchContext, Cell, ResultRow } from '../types';
import { nest, oursCell, peerCell, uniformArray } from './common';
import { jsRowwise, jsSumAll } from './layernorm';

export interface AttnShape {
  batch: number;
  heads: number;
  seq: number;
  headDim: number;
}

export function attnShape(quick: boolean): AttnShape {
  return quick ? { batch: 2, heads: 2, seq: 16, headDim: 8 } : { batch: 8, heads: 4, seq: 128, headDim: 32 };
}

const msCell = (stats: Stats, note?: string): Cell => ok(stats.median, { stats, ...(note ? { note } : {}) });
const sizeOf = (s: AttnShape): number => s.batch * s.heads * s.seq * s.headDim;

/** tfjs: an additive causal mask [T, T] (0 on and below the diagonal, −1e9 above), broadcast over B and H. */
export function tfCausalBias(tf: Tf, t: number): ReturnType<Tf['tensor2d']> {
  const m = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) m[i * t + j] = -1e9;
  return tf.tensor2d(m, [t, t]);
}

/**
 * js-pytorch attention as its own MultiHeadSelfAttention writes it (masked_fill on a tril mask), scale 1/√Dh; the
 * softmax on a 2-D [B·H·T, T] view (see jsRowwise: its 4-D softmax over square scores gets wrong gradients).
 */
export function jsAttention(torch: JsTorch, q: JsTensor, k: JsTensor, v: JsTensor, tril: JsTensor): JsTensor {
  const dh = q.shape[q.shape.length - 1] as number;
  let att = q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(dh));
  att = att.masked_fill(torch.broadcast(tril, att), (el: number) => el === 0, -Infinity);
  const probs = jsRowwise(att, (r) => {
    const e = torch.exp(r);
    return e.div(e.sum(-1, true));
  });
  return probs.matmul(v);
}

async function ours(ctx: BenchContext, s: AttnShape): Promise<Cell> {
  const shape = [s.batch, s.heads, s.seq, s.headDim];
  const [q, k, v] = [5, 6, 7].map((seed) => tensor(uniformArray(sizeOf(s), seed), { shape, requiresGrad: true })) as [Tensor, Tensor, Tensor];
  const g = new Tensor(uniformArray(sizeOf(s), 8), shape);
  const stats = await measure(() => {
    q.grad = k.grad = v.grad = null;
    sum(mul(scaledDotProductAttention(q, k, v, { isCausal: true }), g)).backward();
  }, ctx.timing);
  return msCell(stats);
}

async function tfjs(ctx: BenchContext, backend: 'cpu' | 'wasm', s: AttnShape): Promise<Cell> {
  const tf = await useTfjs(backend);
  const shape: [number, number, number, number] = [s.batch, s.heads, s.seq, s.headDim];
  const [q, k, v, g] = [5, 6, 7, 8].map((seed) => tf.tensor4d(uniformArray(sizeOf(s), seed), shape));
  const bias = tfCausalBias(tf, s.seq);
  const scale = 1 / Math.sqrt(s.headDim);
  const f = (qi: TfTensor, ki: TfTensor, vi: TfTensor): TfTensor => {
    const scores = tf.add(tf.mul(tf.matMul(qi, ki, false, true), scale), bias);
    return tf.sum(tf.mul(tf.matMul(tf.softmax(scores, -1), vi), g!));
  };
  const df = tf.grads(f as (...args: TfTensor[]) => TfTensor);
  const stats = await measure(() => tf.tidy(() => void df([q!, k!, v!])), ctx.timing);
  tf.dispose([q!, k!, v!, g!, bias]);
  return msCell(stats, 'additive −1e9 mask, tf.grads');
}

async function jsPytorch(ctx: BenchContext, s: AttnShape): Promise<Cell> {
  const torch = await loadJsPytorch();
  const shape = [s.batch, s.heads, s.seq, s.headDim];
  const [q, k, v] = [5, 6, 7].map((seed) => torch.tensor(nest(uniformArray(sizeOf(s), seed), shape), true)) as [JsTensor, JsTensor, JsTensor];
  const g = torch.tensor(nest(uniformArray(sizeOf(s), 8), shape), false);
  const tril = torch.tril([s.seq, s.seq], false);
  const stats = await measure(() => {
    for (const p of [q, k, v]) p.zero_grad();
    jsSumAll(jsAttention(torch, q, k, v, tril).mul(g)).backward();
  }, ctx.timing);
  return msCell(stats, 'float64 nested arrays');
}

async function jax(ctx: BenchContext, s: AttnShape): Promise<Cell> {
  const jaxNs = await loadJax();
  const { blockUntilReady, grad, jit, numpy: np, tree } = jaxNs;
  type A = InstanceType<typeof np.Array>;
  // [B, T, H, Dh]: jax-js's (and JAX's) attention layout; the same work.
  const shape = [s.batch, s.seq, s.heads, s.headDim];
  const [q, k, v, g] = [5, 6, 7, 8].map((seed) => np.array(uniformArray(sizeOf(s), seed)).reshape(shape)) as [A, A, A, A];
  const f = (qi: A, ki: A, vi: A, gi: A): A => jaxCausalAttention(jaxNs, qi, ki, vi).mul(gi).sum();
  const df = jit(grad(f, { argnums: [0, 1, 2] }));
  const stats = await measure(async () => {
    const grads = df(q.ref, k.ref, v.ref, g.ref);
    await blockUntilReady(grads);
    tree.dispose(grads);
  }, ctx.timing);
  tree.dispose([q, k, v, g]);
  return msCell(stats, 'jit(grad), attention written with matmul/softmax (nn.dotProductAttention needs Node ≥ 22)');
}

async function pytorch(ctx: BenchContext, s: AttnShape): Promise<Cell> {
  const reply = await runTorch<TorchStats>({ task: 'attention', params: s, timing: ctx.timing, threads: 1 });
  return msCell(reply.result, `torch ${reply.info.torch} (no F.scaled_dot_product_attention in 1.13: its math path), 1 thread`);
}

export const attentionBenchmark: Benchmark = {
  name: 'attention',
  title: 'causal attention forward + backward (ms, lower is better)',
  async run(ctx) {
    const s = attnShape(ctx.quick);
    const what = `attention fwd+bwd B${s.batch} H${s.heads} T${s.seq} Dh${s.headDim} causal`;
    const row: ResultRow = { id: `attention/${s.batch}x${s.heads}x${s.seq}x${s.headDim}`, benchmark: 'attention', label: what, unit: 'ms', better: 'lower', cells: {} };
    row.cells.ours = await oursCell(ctx, what, () => ours(ctx, s));
    row.cells['tfjs-cpu'] = await peerCell(ctx, 'tfjs-cpu', what, () => tfjs(ctx, 'cpu', s));
    row.cells['tfjs-wasm'] = await peerCell(ctx, 'tfjs-wasm', what, () => tfjs(ctx, 'wasm', s));
    row.cells['js-pytorch'] = await peerCell(ctx, 'js-pytorch', what, () => jsPytorch(ctx, s));
    row.cells['jax-js'] = await peerCell(ctx, 'jax-js', what, () => jax(ctx, s));
    row.cells.pytorch = await peerCell(ctx, 'pytorch', what, () => pytorch(ctx, s));
    row.notes = ['ours: scaledDotProductAttention(q, k, v, { isCausal: true }); gradients for q, k, v in every system'];
    return [row];
  },
};
