// Index kernels behind gather / scatterAdd: an odometer over the index tensor, plain loops, no callbacks.
import type { TypedArray } from '../dtype';
import type { Shape } from '../shape';
import { stridesOf } from '../shape';

/**
 * For every position p of `index` (shape `ishape`, same rank as x), the offset into x of the element it names
 * along `axis`: x's multi-index equals p's except along `axis`, where it is index[p]. Writes offsets[p].
 */
export function gatherOffsets(xShape: Shape, axis: number, index: Int32Array, ishape: Shape, offsets: Int32Array): void {
  const nd = ishape.length;
  const xs = stridesOf(xShape);
  const pos = new Array<number>(nd).fill(0);
  for (let p = 0; p < index.length; p++) {
    let off = 0;
    for (let d = 0; d < nd; d++) off += (d === axis ? index[p]! : pos[d]!) * xs[d]!;
    offsets[p] = off;
    for (let d = nd - 1; d >= 0; d--) {
      if (++pos[d]! < ishape[d]!) break;
      pos[d] = 0;
    }
  }
}

/** out[p] = x[offsets[p]] */
export function gatherKernel(x: TypedArray, offsets: Int32Array, out: TypedArray): void {
  for (let p = 0; p < offsets.length; p++) out[p] = x[offsets[p]!]!;
}

/** out[offsets[p]] += src[p] (repeats accumulate) */
export function scatterAddKernel(src: TypedArray, offsets: Int32Array, out: TypedArray): void {
  for (let p = 0; p < offsets.length; p++) {
    const o = offsets[p]!;
    out[o] = out[o]! + src[p]!;
  }
}
