// 5. Memory: peak RSS, and a growth check: our step S run for many steps (2,000; fewer with --quick), heap and
// RSS after a full GC at the start and at the end. Heap that keeps growing step after step means a leak.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { STEP_S, STEP_S_QUICK, makeBatch } from '../models/config';
import { missing, ok } from '../types';
import type { Benchmark, BenchContext, Cell, ResultRow } from '../types';
import { oursLM } from './train-step';

const MB = 1024 * 1024;

/** A full-GC function: global.gc under --expose-gc, else V8's flag set at run time (a known, stable trick). */
export function gcFunction(): (() => void) | null {
  const g = (globalThis as { gc?: unknown }).gc;
  if (typeof g === 'function') return () => (g as () => void)();
  try {
    setFlagsFromString('--expose-gc');
    const fn = runInNewContext('gc') as unknown;
    return typeof fn === 'function' ? () => (fn as () => void)() : null;
  } catch {
    return null;
  }
}

/** Peak resident set size of this process so far, in MB (getrusage's ru_maxrss). */
export function peakRssMB(): number {
  return (process.resourceUsage().maxRSS * 1024) / MB;
}

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}

export interface GrowthSample {
  step: number;
  heapMB: number;
  rssMB: number;
}

export function memorySteps(quick: boolean): number {
  return quick ? 40 : 2000;
}

export const memoryBenchmark: Benchmark = {
  name: 'memory',
  title: 'memory: peak RSS and growth over many steps of our step S',
  async run(ctx: BenchContext) {
    const c = ctx.quick ? STEP_S_QUICK : STEP_S;
    const steps = memorySteps(ctx.quick);
    const gc = gcFunction();
    const settle = (): void => {
      if (gc) {
        gc();
        gc();
      }
    };
    const snap = (step: number): GrowthSample => {
      settle();
      const m = process.memoryUsage();
      return { step, heapMB: m.heapUsed / MB, rssMB: m.rss / MB };
    };
    ctx.log(`  ours: ${steps} steps of step ${c.name}${gc ? '' : ' (no GC available: heap figures are noisier)'}`);
    const stepper = oursLM(c, makeBatch(c));
    const warmup = Math.min(10, steps);
    for (let i = 0; i < warmup; i++) stepper.step();
    const samples: GrowthSample[] = [snap(0)];
    const every = Math.max(1, Math.floor(steps / 10));
    const t0 = performance.now();
    let lastLoss = NaN;
    for (let i = 1; i <= steps; i++) {
      lastLoss = stepper.step();
      if (i % every === 0 || i === steps) samples.push(snap(i));
    }
    const seconds = (performance.now() - t0) / 1000;
    stepper.dispose();
    const start = samples[0]!;
    const end = samples[samples.length - 1]!;
    const heapSlope = slope(samples.map((s) => s.step), samples.map((s) => s.heapMB)) * 1000;
    const heapGrowth = end.heapMB - start.heapMB;
    const leak = heapGrowth > Math.max(2, 0.05 * start.heapMB);
    const verdict = leak
      ? `GROWTH: heap +${heapGrowth.toFixed(1)} MB over ${steps} steps (${heapSlope.toFixed(2)} MB per 1000 steps): possible leak`
      : `flat: heap ${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(2)} MB over ${steps} steps (${heapSlope.toFixed(2)} MB per 1000 steps): no leak seen`;
    const fromTo = (a: number, b: number): string => `${a.toFixed(1)} → ${b.toFixed(1)} MB (${b - a >= 0 ? '+' : ''}${(b - a).toFixed(1)})`;
    const rowOf = (id: string, label: string, cell: Cell, notes?: string[]): ResultRow => ({ id, benchmark: 'memory', label, unit: 'MB', better: 'none', cells: { ours: cell }, ...(notes ? { notes } : {}) });
    ctx.log(`  ours: ${verdict}`);
    return [
      rowOf('memory/peak-rss', `peak RSS after ${steps} steps of step ${c.name} (before any peer is loaded)`, ok(peakRssMB())),
      rowOf('memory/heap', `heap used after GC, start → end of ${steps} steps`, ok(heapGrowth, { display: fromTo(start.heapMB, end.heapMB), note: verdict }), [
        `${steps} steps in ${seconds.toFixed(1)} s (${((seconds * 1000) / steps).toFixed(1)} ms/step), last loss ${lastLoss.toFixed(3)}; samples (step: heap MB / RSS MB): ${samples.map((s) => `${s.step}: ${s.heapMB.toFixed(1)}/${s.rssMB.toFixed(0)}`).join(', ')}`,
      ]),
      rowOf('memory/rss', `RSS, start → end of ${steps} steps`, gc ? ok(end.rssMB - start.rssMB, { display: fromTo(start.rssMB, end.rssMB) }) : missing('failed', 'no GC function')),
    ];
  },
};
