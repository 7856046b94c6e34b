// Block copies along one axis: the kernels behind slice, concat, indexSelect and their backward passes.
import type { TypedArray } from '../dtype';
import type { Shape } from '../shape';
import { numel } from '../shape';

/** Splits a shape around `axis`: outer = Π shape[:axis], inner = Π shape[axis+1:]. */
export function aroundAxis(shape: Shape, axis: number): { outer: number; size: number; inner: number } {
  return { outer: numel(shape.slice(0, axis)), size: shape[axis]!, inner: numel(shape.slice(axis + 1)) };
}

/**
 * For each outer block, copies `len` slabs (each `inner` long) from src (axis size srcSize, starting at srcStart)
 * to dst (axis size dstSize, starting at dstStart); adds instead of copying when `add`.
 */
export function copyAlongAxis(
  src: TypedArray, srcSize: number, srcStart: number,
  dst: TypedArray, dstSize: number, dstStart: number,
  outer: number, len: number, inner: number, add: boolean,
): void {
  const run = len * inner;
  for (let o = 0; o < outer; o++) {
    const s = (o * srcSize + srcStart) * inner;
    const d = (o * dstSize + dstStart) * inner;
    if (add) for (let i = 0; i < run; i++) dst[d + i] = dst[d + i]! + src[s + i]!;
    else if (run > 64) dst.set(src.subarray(s, s + run), d);
    else for (let i = 0; i < run; i++) dst[d + i] = src[s + i]!;
  }
}
