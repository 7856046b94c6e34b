// Storage types: float32 by default, float64 for gradient checks and golden tests, int32 for indices and masks.
export type DType = 'float32' | 'float64' | 'int32';
export type FloatDType = 'float32' | 'float64';
export type TypedArray = Float32Array | Float64Array | Int32Array;
export type FloatArray = Float32Array | Float64Array;

/** A zero-filled array (recycled storage when ./buffer-pool has some of that size). */
export { allocate } from './buffer-pool';

export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  return 'int32';
}

export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype !== 'int32';
}

/** The result type of mixing two dtypes: float64 > float32 > int32 (PyTorch's promotion, minus bool). */
export function promote(a: DType, b: DType): DType {
  if (a === 'float64' || b === 'float64') return 'float64';
  if (a === 'float32' || b === 'float32') return 'float32';
  return 'int32';
}
