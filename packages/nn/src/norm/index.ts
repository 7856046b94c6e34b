// The normalization family and one factory for all of it.
import { Identity } from '../layers';
import type { Module } from '../module';
import { BatchNorm1d } from './batch-norm';
import type { BatchNormOptions } from './batch-norm';
import { DyT } from './dyt';
import type { DyTOptions } from './dyt';
import { LayerNorm } from './layer-norm';
import type { LayerNormOptions } from './layer-norm';
import { RMSNorm } from './rms-norm';
import type { RMSNormOptions } from './rms-norm';

export { LayerNorm, layerNormComposite, layerNormFused } from './layer-norm';
export type { LayerNormOptions, LayerNormFunctionOptions, VarianceKind, EpsPlacement } from './layer-norm';
export { RMSNorm, rmsNormComposite, rmsNormFused } from './rms-norm';
export type { RMSNormOptions } from './rms-norm';
export { DyT, dytComposite, dytFused } from './dyt';
export type { DyTOptions } from './dyt';
export { BatchNorm1d } from './batch-norm';
export type { BatchNormOptions } from './batch-norm';

export const NORM_KINDS = ['layernorm', 'rmsnorm', 'dyt', 'batchnorm', 'none'] as const;
export type NormKind = (typeof NORM_KINDS)[number];

/** Options for any norm; each kind reads the ones it understands. */
export type NormOptions = LayerNormOptions & RMSNormOptions & DyTOptions & BatchNormOptions;

/** Builds a norm of `kind` over the last axis of size `dim` (`none` is the identity). */
export function makeNorm(kind: NormKind, dim: number, options: NormOptions = {}): Module {
  switch (kind) {
    case 'layernorm':
      return new LayerNorm(dim, options);
    case 'rmsnorm':
      return new RMSNorm(dim, options);
    case 'dyt':
      return new DyT(dim, options);
    case 'batchnorm':
      return new BatchNorm1d(dim, options);
    case 'none':
      return new Identity();
    default:
      throw new Error(`makeNorm: unknown kind "${String(kind)}" (use one of ${NORM_KINDS.join(', ')})`);
  }
}
