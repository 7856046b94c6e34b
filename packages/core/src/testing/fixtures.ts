// Loads PyTorch golden fixtures (../shared/fixtures/torch beside the repository) for tests. Test-only: this is
// the one place in core that touches node:fs, and only the `@lnlab/core/testing` entry point exports it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSafetensors } from '../io';
import { cast } from '../ops/cast';
import type { Tensor } from '../tensor';
import type { FloatDType } from '../dtype';

/** The fixtures folder: $LNLAB_FIXTURES, else `shared/fixtures/torch` beside the repository's folder. */
export function fixturesDir(): string {
  return process.env.LNLAB_FIXTURES ?? fileURLToPath(new URL('../../../../../shared/fixtures/torch', import.meta.url));
}

export interface Fixture {
  name: string;
  config: Record<string, unknown>;
  /** A tensor by key; float tensors come as float64 (or `dtype`), I64 as int32. Throws naming missing keys. */
  get(key: string, dtype?: FloatDType): Tensor;
  keys(): string[];
}

export function loadFixture(name: string): Fixture {
  const bytes = readFileSync(`${fixturesDir()}/${name}.safetensors`);
  const { tensors, metadata } = loadSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const config = JSON.parse(metadata.config ?? '{}') as Record<string, unknown>;
  return {
    name,
    config,
    keys: () => [...tensors.keys()].sort(),
    get(key, dtype = 'float64') {
      const t = tensors.get(key);
      if (!t) throw new Error(`fixture ${name}: no key "${key}" (has ${[...tensors.keys()].join(', ')})`);
      return t.dtype === 'int32' ? t : cast(t, dtype);
    },
  };
}

/**
 * The relative error used against the fixtures: max |a − e| / max(|e|, 1e-3·max|e|) over all elements, so that
 * entries near zero are judged against the tensor's scale rather than against themselves.
 */
export function maxRelError(actual: Tensor, expected: Tensor): number {
  if (actual.size !== expected.size) throw new Error(`maxRelError: sizes differ (${actual.size} vs ${expected.size})`);
  let scale = 0;
  for (let i = 0; i < expected.size; i++) scale = Math.max(scale, Math.abs(expected.data[i]!));
  const floor = Math.max(scale * 1e-3, Number.MIN_VALUE);
  let worst = 0;
  for (let i = 0; i < actual.size; i++) {
    const e = expected.data[i]!;
    const err = Math.abs(actual.data[i]! - e) / Math.max(Math.abs(e), floor);
    if (!(err <= worst)) worst = err;
  }
  return worst;
}

/**
 * max |a − e| / max |e|: the error relative to the tensor's scale. Float32 runs are judged by this one, since
 * entries that cancel to (near) zero — e.g. the key-bias gradient of attention, exactly 0 in exact arithmetic —
 * carry float32 rounding noise of the size of the other entries' rounding, not of their own.
 */
export function normRelError(actual: Tensor, expected: Tensor): number {
  if (actual.size !== expected.size) throw new Error(`normRelError: sizes differ (${actual.size} vs ${expected.size})`);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.size; i++) {
    scale = Math.max(scale, Math.abs(expected.data[i]!));
    const err = Math.abs(actual.data[i]! - expected.data[i]!);
    if (!(err <= worst)) worst = err;
  }
  return scale === 0 ? worst : worst / scale;
}
