import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildGemmWasm, relaxedVariant } from '../../../scripts/build-wasm.mjs';
import { decodeBase64 } from './runtime';
import { GEMM_WASM_RELAXED_SIMD, GEMM_WASM_SIMD } from './gemm-wasm';

describe('gemm-wasm.ts (generated)', () => {
  it('holds exactly what gemm.wat assembles to (else run `pnpm build:wasm` in packages/core)', async () => {
    const built = await buildGemmWasm();
    expect(decodeBase64(GEMM_WASM_SIMD)).toEqual(built.simd);
    expect(decodeBase64(GEMM_WASM_RELAXED_SIMD)).toEqual(built.relaxedSimd);
    expect(readFileSync(new URL('./gemm-wasm.ts', import.meta.url), 'utf8')).toBe(built.source);
  });

  it('the relaxed variant rewrites exactly the micro-kernel updates', () => {
    const wat = readFileSync(new URL('./gemm.wat', import.meta.url), 'utf8');
    const code = (text: string): string => text.replace(/;;.*$/gm, '');
    const relaxed = code(relaxedVariant(wat));
    expect(relaxed.match(/f32x4\.relaxed_madd/g)).toHaveLength(16);
    expect(relaxed.match(/f32x4\.mul/g)).toBeNull();
    expect(code(wat).match(/f32x4\.mul/g)).toHaveLength(16);
    expect(() => relaxedVariant(wat.replace('(f32x4.add (local.get $c00)', '(f32x4.add (local.get $c00 )'))).toThrow(/expected 16/);
  });

  it('decodeBase64 matches Buffer and rejects malformed input', () => {
    for (const len of [0, 1, 2, 3, 4, 5, 100, 257]) {
      const bytes = Uint8Array.from({ length: len }, (_, i) => (i * 97 + len) & 255);
      expect(decodeBase64(Buffer.from(bytes).toString('base64'))).toEqual(bytes);
    }
    expect(() => decodeBase64('abc')).toThrow();
    expect(() => decodeBase64('ab!d')).toThrow();
  });
});
