// 2. LayerNorm forward + backward on [8192, 256] float32: y = LN(x), loss = sum(y · g), gradients for x, γ, β.
import { Tensor, mul, sum, tensor } from '@lnlab/core';
import { LayerNorm } from '@lnlab/nn';
import { loadJax } from '../peers/jax';
import { loadJsPytorch } from '../peers/js-pytorch';
import type { JsTensor, JsTorch } from '../peers/js-pytorch';
import { runTorch } from '../peers/pytorch';
import type { TorchStats } from '../peers/pytorch';
import { useTfjs } from '../peers/tfjs';
import type { TfTensor } from '../peers/tfjs';
import { measure } from '../timing';
import type { Stats } from '../timing';
import { ok } from '../types';
import type { Benchmark, BenchContext, Cell, ResultRow } from '../types';
import { nest, oursCell, peerCell, uniformArray } from './common';

export interface LnShape {
  rows: number;
  dim: number;
}

export function lnShape(quick: boolean): LnShape {
  return quick ? { rows: 512, dim: 256 } : { rows: 8192, dim: 256 };
}

const EPS = 1e-5;
const msCell = (stats: Stats, note?: string): Cell => ok(stats.median, { stats, ...(note ? { note } : {}) });

/** js-pytorch's sum() reduces one axis at a time and keeps a [1]: reduce to a single element. */
export function jsSumAll(t: JsTensor): JsTensor {
  let s = t;
  while (s.shape.length > 1 || s.shape[0] !== 1) s = s.sum(-1);
  return s;
}

/**
 * Applies a row-wise function (one with keepdim reductions over the last axis) on a 2-D [rows, last] view.
 * js-pytorch 0.7.2 back-propagates sum/mean/variance(-1, keepdim) wrongly whenever the last two dimensions are
 * equal (its broadcast picks the axis by matching sizes): square attention scores [.., T, T], and LayerNorm on
 * [B, T, d] with T = d (steps S and M). On a 2-D view with rows ≠ last its gradients match finite differences.
 */
export function jsRowwise(x: JsTensor, f: (rows2d: JsTensor) => JsTensor): JsTensor {
  const shape = x.shape as number[];
  const last = shape[shape.length - 1]!;
  const rowsN = shape.reduce((a, b) => a * b, 1) / last;
  if (rowsN === last) throw new Error(`js-pytorch: a row-wise op on ${rowsN}×${last} rows would hit its square-shape gradient bug`);
  if (shape.length === 2) return f(x);
  return f(x.reshape([rowsN, last])).reshape(shape);
}

/** LayerNorm written with js-pytorch's ops (its own nn.LayerNorm has no ε; this one adds it), on a 2-D view. */
export function jsLayerNorm(torch: JsTorch, x: JsTensor, w: JsTensor, b: JsTensor): JsTensor {
  return jsRowwise(x, (r) => r.sub(r.mean(-1, true)).div(torch.sqrt(r.variance(-1, true).add(EPS))).mul(w).add(b));
}

async function ours(ctx: BenchContext, { rows, dim }: LnShape): Promise<Cell> {
  const ln = new LayerNorm(dim);
  const x = tensor(uniformArray(rows * dim, 3), { shape: [rows, dim], requiresGrad: true });
  const g = new Tensor(uniformArray(rows * dim, 4), [rows, dim]);
  const stats = await measure(() => {
    x.grad = null;
    ln.zeroGrad();
    sum(mul(ln.forward(x), g)).backward();
  }, ctx.timing);
  return msCell(stats);
}

async function tfjs(ctx: BenchContext, backend: 'cpu' | 'wasm', { rows, dim }: LnShape): Promise<Cell> {
  const tf = await useTfjs(backend);
  const x = tf.tensor2d(uniformArray(rows * dim, 3), [rows, dim]);
  const g = tf.tensor2d(uniformArray(rows * dim, 4), [rows, dim]);
  const w = tf.ones([dim]);
  const b = tf.zeros([dim]);
  const f = (xi: TfTensor, wi: TfTensor, bi: TfTensor): TfTensor => {
    const { mean, variance } = tf.moments(xi, -1, true);
    const y = tf.add(tf.mul(tf.mul(tf.sub(xi, mean), tf.rsqrt(tf.add(variance, EPS))), wi), bi);
    return tf.sum(tf.mul(y, g));
  };
  const df = tf.grads(f as (...args: TfTensor[]) => TfTensor);
  const stats = await measure(() => tf.tidy(() => void df([x, w, b])), ctx.timing);
  tf.dispose([x, g, w, b]);
  return msCell(stats);
}

async function jsPytorch(ctx: BenchContext, { rows, dim }: LnShape): Promise<Cell> {
  const torch = await loadJsPytorch();
  const x = torch.tensor(nest(uniformArray(rows * dim, 3), [rows, dim]), true);
  const g = torch.tensor(nest(uniformArray(rows * dim, 4), [rows, dim]), false);
  const w = torch.ones([dim], true);
  const b = torch.zeros([dim], true);
  const stats = await measure(() => {
    for (const p of [x, w, b]) p.zero_grad();
    jsSumAll(jsLayerNorm(torch, x, w, b).mul(g)).backward();
  }, ctx.timing);
  return msCell(stats, 'float64 nested arrays (its only dtype)');
}

async function jax(ctx: BenchContext, { rows, dim }: LnShape): Promise<Cell> {
  const { blockUntilReady, grad, jit, nn, numpy: np, tree } = await loadJax();
  type A = InstanceType<typeof np.Array>;
  const x = np.array(uniformArray(rows * dim, 3)).reshape([rows, dim]);
  const g = np.array(uniformArray(rows * dim, 4)).reshape([rows, dim]);
  const w = np.ones([dim]);
  const b = np.zeros([dim]);
  const f = (xi: A, wi: A, bi: A, gi: A): A => nn.standardize(xi, -1, { epsilon: EPS }).mul(wi).add(bi).mul(gi).sum();
  const df = jit(grad(f, { argnums: [0, 1, 2] }));
  const stats = await measure(async () => {
    const grads = df(x.ref, w.ref, b.ref, g.ref);
    await blockUntilReady(grads);
    tree.dispose(grads);
  }, ctx.timing);
  tree.dispose([x, g, w, b]);
  return msCell(stats, 'jit(grad(f))');
}

async function pytorch(ctx: BenchContext, shape: LnShape): Promise<Cell> {
  const reply = await runTorch<TorchStats>({ task: 'layernorm', params: shape, timing: ctx.timing, threads: 1 });
  return msCell(reply.result, `torch ${reply.info.torch}, 1 thread`);
}

/** numpy (the reference for this kernel): the forward and backward written out, float32, one thread. */
async function numpy(ctx: BenchContext, shape: LnShape): Promise<Cell> {
  const reply = await runTorch<TorchStats>({ task: 'numpy_layernorm', params: shape, timing: ctx.timing, threads: 1 });
  return msCell(reply.result, `numpy ${reply.info.numpy}, forward and backward written out`);
}

export const layerNormBenchmark: Benchmark = {
  name: 'layernorm',
  title: 'LayerNorm forward + backward (ms, lower is better)',
  async run(ctx) {
    const shape = lnShape(ctx.quick);
    const what = `LayerNorm fwd+bwd [${shape.rows}, ${shape.dim}]`;
    const row: ResultRow = { id: `layernorm/${shape.rows}x${shape.dim}`, benchmark: 'layernorm', label: `${what} float32`, unit: 'ms', better: 'lower', cells: {} };
    row.cells.ours = await oursCell(ctx, what, () => ours(ctx, shape));
    row.cells['tfjs-cpu'] = await peerCell(ctx, 'tfjs-cpu', what, () => tfjs(ctx, 'cpu', shape));
    row.cells['tfjs-wasm'] = await peerCell(ctx, 'tfjs-wasm', what, () => tfjs(ctx, 'wasm', shape));
    row.cells['js-pytorch'] = await peerCell(ctx, 'js-pytorch', what, () => jsPytorch(ctx, shape));
    row.cells['jax-js'] = await peerCell(ctx, 'jax-js', what, () => jax(ctx, shape));
    row.cells.pytorch = await peerCell(ctx, 'pytorch', what, () => pytorch(ctx, shape));
    row.cells.numpy = await peerCell(ctx, 'numpy', what, () => numpy(ctx, shape));
    row.notes = ['ours: new LayerNorm(256) (fused op), sum(mul(y, g)).backward(); tfjs: tf.grads over moments/rsqrt ops; jax-js: jit(grad) of nn.standardize·γ+β; PyTorch: nn.LayerNorm; numpy: mean/var/normalize and the LayerNorm backward formula, loss sum(y·g)'];
    return [row];
  },
};
