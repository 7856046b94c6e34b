// 1. float32 matmul, n×n·n×n, in the two layouts a Transformer needs most: A·B (forward) and A·Bᵀ (attention
// scores, backward passes). GFLOP/s = 2n³ / median time. One thread everywhere; 2-thread rows at the largest size
// say who has them. Ours on 2 threads: core's threaded GEMM with one Node worker (../gemm-threads-node.ts), enabled
// around that measurement only, so that everything else in the suite runs on one thread.
import { GEMM_THREADS_MIN_MNK, Tensor, disableGemmThreads, gemmBackend, gemmThreads, mm, noGrad } from '@lnlab/core';
import { enableNodeGemmThreads } from '../gemm-threads-node';
import { loadJax, jaxThreads } from '../peers/jax';
import { loadJsPytorch } from '../peers/js-pytorch';
import { runTorch } from '../peers/pytorch';
import type { TorchStats } from '../peers/pytorch';
import { tfjsWasmInfo, useTfjs } from '../peers/tfjs';
import { gflops, measure } from '../timing';
import type { Stats } from '../timing';
import { errorMessage, missing, ok } from '../types';
import type { Benchmark, BenchContext, Cell, PeerName, ResultRow, SystemName } from '../types';
import { nest, oursCell, peerCells, uniformArray } from './common';

export const LAYOUTS = ['A·B', 'A·Bᵀ'] as const;
export type Layout = (typeof LAYOUTS)[number];

export function matmulSizes(quick: boolean): number[] {
  return quick ? [32, 64] : [128, 256, 512];
}

const rowId = (n: number, layout: Layout, threads: number): string => `matmul/${n}/${layout}/${threads}t`;
const flops = (n: number): number => 2 * n * n * n;
const cellOf = (n: number, stats: Stats, note?: string): Cell => ok(gflops(flops(n), stats.median), { stats, ...(note ? { note } : {}) });

interface Case {
  n: number;
  layout: Layout;
}

function cases(quick: boolean): Case[] {
  return matmulSizes(quick).flatMap((n) => LAYOUTS.map((layout) => ({ n, layout })));
}

/** Ours: `mm(a, b, false, transB)` under noGrad. Exported for the test (ours only, --quick sizes). */
export async function measureOurs(ctx: BenchContext, n: number, layout: Layout): Promise<Stats> {
  const a = new Tensor(uniformArray(n * n, 1), [n, n]);
  const b = new Tensor(uniformArray(n * n, 2), [n, n]);
  const transB = layout === 'A·Bᵀ';
  return measure(() => noGrad(() => mm(a, b, false, transB)), ctx.timing);
}

/** Ours on 2 threads (the calling thread + 1 worker), for the 2-thread rows of size n. */
async function oursTwoThreadCells(ctx: BenchContext, n: number): Promise<Map<string, Cell>> {
  const ids = LAYOUTS.map((layout) => rowId(n, layout, 2));
  if (gemmBackend() !== 'wasm') return same(ids, missing('n/a', '2 threads: only with the WebAssembly kernels (--backend auto)'));
  try {
    ctx.log('  ours: starting a GEMM worker thread');
    await enableNodeGemmThreads(2);
  } catch (e) {
    ctx.log(`  ours: GEMM threads FAILED: ${errorMessage(e)}`);
    return same(ids, missing('failed', errorMessage(e)));
  }
  const note = n ** 3 < GEMM_THREADS_MIN_MNK ? `below the 2-thread threshold (${Math.round(Math.cbrt(GEMM_THREADS_MIN_MNK))}³): runs on 1 thread` : undefined;
  const out = new Map<string, Cell>();
  try {
    for (const layout of LAYOUTS) {
      out.set(rowId(n, layout, 2), await oursCell(ctx, `matmul ${n} ${layout}, 2 threads`, async () => {
        const stats = await measureOurs(ctx, n, layout);
        // A worker failure turns threads off (with a warning) and the products go on on 1 thread: not a 2-thread figure.
        if (gemmThreads() !== 2) throw new Error('the GEMM worker failed during the measurement (threads were turned off)');
        return cellOf(n, stats, note);
      }));
    }
  } finally {
    disableGemmThreads();
  }
  return out;
}

async function tfjsCells(ctx: BenchContext, backend: 'cpu' | 'wasm', cs: Case[], note?: string): Promise<Map<string, Cell>> {
  const tf = await useTfjs(backend);
  const out = new Map<string, Cell>();
  for (const { n, layout } of cs) {
    const a = tf.tensor2d(uniformArray(n * n, 1), [n, n]);
    const b = tf.tensor2d(uniformArray(n * n, 2), [n, n]);
    const transB = layout === 'A·Bᵀ';
    // Both backends compute synchronously inside the op call; dispose frees the output.
    const stats = await measure(() => tf.matMul(a, b, false, transB).dispose(), ctx.timing);
    out.set(rowId(n, layout, 1), cellOf(n, stats, note));
    a.dispose();
    b.dispose();
  }
  return out;
}

async function jsPytorchCells(ctx: BenchContext, cs: Case[]): Promise<Map<string, Cell>> {
  const torch = await loadJsPytorch();
  const out = new Map<string, Cell>();
  for (const { n, layout } of cs) {
    const a = torch.tensor(nest(uniformArray(n * n, 1), [n, n]), false);
    const b = torch.tensor(nest(uniformArray(n * n, 2), [n, n]), false);
    // No transposed-operand flag: A·Bᵀ is matmul(a, b.transpose()), the transpose included in the time.
    const fn = layout === 'A·B' ? () => torch.matmul(a, b) : () => torch.matmul(a, b.transpose(0, 1));
    out.set(rowId(n, layout, 1), cellOf(n, await measure(fn, ctx.timing)));
  }
  return out;
}

async function jaxCells(ctx: BenchContext, cs: Case[]): Promise<Map<string, Cell>> {
  const { jit, numpy: np } = await loadJax();
  const ab = jit((a: InstanceType<typeof np.Array>, b: InstanceType<typeof np.Array>) => np.matmul(a, b));
  const abT = jit((a: InstanceType<typeof np.Array>, b: InstanceType<typeof np.Array>) => np.matmul(a, b.transpose()));
  const out = new Map<string, Cell>();
  for (const { n, layout } of cs) {
    const a = np.array(uniformArray(n * n, 1)).reshape([n, n]);
    const b = np.array(uniformArray(n * n, 2)).reshape([n, n]);
    const f = layout === 'A·B' ? ab : abT;
    const stats = await measure(async () => {
      const c = f(a.ref, b.ref); // jit takes ownership of its arguments: pass new references
      await c.blockUntilReady();
      c.dispose();
    }, ctx.timing);
    out.set(rowId(n, layout, 1), cellOf(n, stats));
    a.dispose();
    b.dispose();
  }
  return out;
}

async function torchCells(ctx: BenchContext, cs: Case[], threads: number): Promise<Map<string, Cell>> {
  const sizes = [...new Set(cs.map((c) => c.n))];
  const reply = await runTorch<Record<string, TorchStats>>({ task: 'matmul', params: { sizes, layouts: LAYOUTS }, timing: ctx.timing, threads });
  const note = `torch ${reply.info.torch}, BLAS: ${reply.info.blas}${reply.info.blas === 'reference BLAS' ? ' (slow: install libopenblas0-pthread)' : ''}`;
  const out = new Map<string, Cell>();
  for (const { n, layout } of cs) {
    const s = reply.result[`${n}/${layout}`];
    out.set(rowId(n, layout, threads), s ? cellOf(n, s, note) : missing('failed', 'no result for this case'));
  }
  return out;
}

function put(rows: Map<string, ResultRow>, system: SystemName, cells: Map<string, Cell>): void {
  for (const [id, cell] of cells) {
    const row = rows.get(id);
    if (row) row.cells[system] = cell;
  }
}

const same = (ids: readonly string[], cell: Cell): Map<string, Cell> => new Map(ids.map((id) => [id, cell]));

export const matmulBenchmark: Benchmark = {
  name: 'matmul',
  title: 'matmul float32 (GFLOP/s, higher is better)',
  async run(ctx) {
    const cs = cases(ctx.quick);
    const largest = Math.max(...cs.map((c) => c.n));
    const rows = new Map<string, ResultRow>();
    for (const { n, layout } of cs) {
      rows.set(rowId(n, layout, 1), { id: rowId(n, layout, 1), benchmark: 'matmul', label: `matmul ${n}³ ${layout}, 1 thread`, unit: 'GFLOP/s', better: 'higher', cells: {} });
    }
    for (const layout of LAYOUTS) {
      const id = rowId(largest, layout, 2);
      rows.set(id, { id, benchmark: 'matmul', label: `matmul ${largest}³ ${layout}, 2 threads`, unit: 'GFLOP/s', better: 'higher', cells: {} });
    }
    const ids1 = cs.map((c) => rowId(c.n, c.layout, 1));
    const ids2 = LAYOUTS.map((l) => rowId(largest, l, 2));

    // Ours, one thread, then two (threads are on only around the 2-thread measurement).
    for (const { n, layout } of cs) {
      const id = rowId(n, layout, 1);
      put(rows, 'ours', same([id], await oursCell(ctx, `matmul ${n} ${layout}`, async () => cellOf(n, await measureOurs(ctx, n, layout)))));
    }
    put(rows, 'ours', await oursTwoThreadCells(ctx, largest));

    const selected = (peer: PeerName, cell: Cell): Cell => (ctx.peers.includes(peer) ? cell : missing('skipped', 'not selected (--peers)'));

    put(rows, 'tfjs-cpu', await peerCells(ctx, 'tfjs-cpu', 'matmul', ids1, () => tfjsCells(ctx, 'cpu', cs)));
    put(rows, 'tfjs-cpu', same(ids2, selected('tfjs-cpu', missing('n/a', 'the cpu backend is single-threaded'))));

    let wasmThreads = 1;
    put(rows, 'tfjs-wasm', await peerCells(ctx, 'tfjs-wasm', 'matmul', ids1, async () => {
      const info = await tfjsWasmInfo();
      wasmThreads = info.threads;
      return tfjsCells(ctx, 'wasm', cs, `SIMD ${info.simd ? 'on' : 'off'}, ${info.threads} thread(s)`);
    }));
    const wasmNote = wasmThreads > 1 ? 'threads already in use in the 1-thread rows' : 'no wasm threads under Node (tfjs sets WASM_HAS_MULTITHREAD_SUPPORT=false there)';
    put(rows, 'tfjs-wasm', same(ids2, selected('tfjs-wasm', missing('n/a', wasmNote))));

    put(rows, 'js-pytorch', await peerCells(ctx, 'js-pytorch', 'matmul', ids1, () => jsPytorchCells(ctx, cs)));
    put(rows, 'js-pytorch', same(ids2, selected('js-pytorch', missing('n/a', 'plain JS, single-threaded'))));

    put(rows, 'jax-js', await peerCells(ctx, 'jax-js', 'matmul', ids1, () => jaxCells(ctx, cs)));
    const jaxNote = jaxThreads() === 1 ? 'Node 20 has no global Worker: jax-js runs its wasm kernels on 1 thread' : 'Worker threads not measured';
    put(rows, 'jax-js', same(ids2, selected('jax-js', missing('n/a', jaxNote))));

    put(rows, 'pytorch', await peerCells(ctx, 'pytorch', 'matmul, 1 thread', ids1, () => torchCells(ctx, cs, 1)));
    put(rows, 'pytorch', await peerCells(ctx, 'pytorch', 'matmul, 2 threads', ids2, () => torchCells(ctx, cs.filter((c) => c.n === largest), 2)));
    return [...rows.values()];
  },
};
