// The Tensor: contiguous row-major storage on a typed array, plus what autograd needs (grad, gradFn).
import { allocate, dtypeOf, isFloat } from './dtype';
import type { DType, TypedArray } from './dtype';
import { assertShape, fmt, numel, stridesOf } from './shape';
import type { Shape } from './shape';
import type { Node } from './autograd/node';
import { runBackward } from './autograd/engine';

export type NestedArray = number | NestedArray[];

export interface BackwardOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
}

export class Tensor {
  /** Contiguous row-major storage. Several tensors may share it (reshape, detach), as in PyTorch. */
  data: TypedArray;
  readonly shape: Shape;
  readonly dtype: DType;
  /** Accumulated gradient of a leaf (or of a tensor that called `retainGrad()`). */
  grad: Tensor | null = null;
  /** The op that produced this tensor, or null for a leaf. */
  gradFn: Node | null = null;
  /** Whether backward keeps this non-leaf's gradient in `.grad`. */
  retainsGrad = false;
  /** An optional label shown by `toDot` and in error messages. */
  name: string | undefined;
  private _requiresGrad = false;

  constructor(data: TypedArray, shape: Shape, requiresGrad = false) {
    assertShape('Tensor', shape);
    if (data.length !== numel(shape)) {
      throw new Error(`Tensor: data of length ${data.length} does not fill shape ${fmt(shape)} (needs ${numel(shape)})`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtypeOf(data);
    this.requiresGrad = requiresGrad;
  }

  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(value: boolean) {
    if (value && !isFloat(this.dtype)) {
      throw new Error(`requiresGrad: only float tensors can require gradients (got ${this.dtype} ${fmt(this.shape)})`);
    }
    if (!value && this.gradFn) {
      throw new Error(`requiresGrad: cannot clear requiresGrad on a non-leaf tensor ${fmt(this.shape)}; use detach()`);
    }
    this._requiresGrad = value;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) throw new Error(`item: tensor of shape ${fmt(this.shape)} has ${this.data.length} elements, not 1`);
    return this.data[0]!;
  }

  /** Nested JavaScript arrays (a number for a 0-d tensor). */
  toArray(): NestedArray {
    const strides = stridesOf(this.shape);
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return this.data[offset]!;
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]!; i++) out.push(build(dim + 1, offset + i * strides[dim]!));
      return out;
    };
    return build(0, 0);
  }

  /** A leaf sharing this tensor's storage, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** A leaf with a copy of the storage. */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** Keep this non-leaf tensor's gradient in `.grad` after backward. */
  retainGrad(): this {
    if (!this.requiresGrad) throw new Error(`retainGrad: tensor ${fmt(this.shape)} does not require grad`);
    if (this.gradFn) this.retainsGrad = true;
    return this;
  }

  /**
   * Reverse-mode differentiation from this tensor; gradients accumulate into the leaves' `.grad`.
   * A non-scalar tensor needs an explicit `gradient` of its shape.
   */
  backward(gradient?: Tensor, options: BackwardOptions = {}): void {
    runBackward([this], gradient ? [gradient] : undefined, {
      retainGraph: options.retainGraph ?? options.createGraph ?? false,
      createGraph: options.createGraph ?? false,
      inputs: undefined,
    });
  }

  toString(): string {
    return `Tensor(${fmt(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''}${this.gradFn ? `, gradFn=${this.gradFn.op}` : ''})`;
  }
}

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  /** Required when `data` is a flat typed array or array that should be read as another shape. */
  shape?: Shape;
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0]!;
  }
  return shape;
}

function flatten(data: NestedArray, shape: Shape, out: TypedArray): void {
  let k = 0;
  const walk = (v: NestedArray, dim: number): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number') throw new Error(`tensor: ragged nested array (expected a number at depth ${dim}, shape ${fmt(shape)})`);
      out[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new Error(`tensor: ragged nested array (expected length ${shape[dim]} at depth ${dim}, shape ${fmt(shape)})`);
    }
    for (const e of v) walk(e, dim + 1);
  };
  walk(data, 0);
}

/** Builds a tensor from a number, nested arrays or a typed array (copied). Float32 unless told otherwise. */
export function tensor(data: NestedArray | TypedArray, options: TensorOptions = {}): Tensor {
  let out: TypedArray;
  let shape: Shape;
  if (ArrayBuffer.isView(data)) {
    const dtype = options.dtype ?? dtypeOf(data);
    shape = options.shape ?? [data.length];
    out = allocate(dtype, data.length);
    out.set(data);
  } else {
    const dtype = options.dtype ?? 'float32';
    const natural = inferShape(data);
    out = allocate(dtype, numel(natural));
    flatten(data, natural, out);
    shape = options.shape ?? natural;
  }
  if (numel(shape) !== out.length) {
    throw new Error(`tensor: ${out.length} values cannot take shape ${fmt(shape)}`);
  }
  return new Tensor(out, shape, options.requiresGrad ?? false);
}
