// Tensors ⇄ safetensors bytes (Uint8Array only: file paths are the caller's business).
import { parseSafetensors, serializeSafetensors } from './safetensors/index';
import type { RawTensor } from './safetensors/index';
import { Tensor } from './tensor';

export interface LoadedSafetensors {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** Parses safetensors bytes into tensors (see `parseSafetensors` for the checks and dtype mapping). */
export function loadSafetensors(bytes: Uint8Array): LoadedSafetensors {
  const parsed = parseSafetensors(bytes);
  const tensors = new Map<string, Tensor>();
  for (const [name, raw] of parsed.tensors) tensors.set(name, new Tensor(raw.data, raw.shape));
  return { tensors, metadata: parsed.metadata };
}

/** Serialises tensors (float32 → F32, float64 → F64, int32 → I32) with optional string metadata. */
export function saveSafetensors(tensors: Map<string, Tensor> | Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const raw = new Map<string, RawTensor>();
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  for (const [name, t] of entries) raw.set(name, { dtype: t.dtype, shape: [...t.shape], data: t.data });
  return serializeSafetensors(raw, metadata);
}
