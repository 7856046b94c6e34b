import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SHARED_MAX_PAGES, buildGemmWasm, relaxedVariant, sharedVariant } from '../../../scripts/build-wasm.mjs';
import { decodeBase64 } from './runtime';
import {
  GEMM_SHARED_MAX_PAGES, GEMM_WASM_RELAXED_SIMD, GEMM_WASM_RELAXED_SIMD_SHARED, GEMM_WASM_SIMD, GEMM_WASM_SIMD_SHARED,
} from './gemm-wasm';

/** The slice of the WebAssembly JS API used below (core's TypeScript libs do not declare it). */
interface Wasm {
  Module: { new (bytes: Uint8Array): object; imports(module: object): { module: string; name: string; kind: string }[] };
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared?: boolean }) => object;
  LinkError: new () => Error;
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

describe('gemm-wasm.ts (generated)', () => {
  it('holds exactly what gemm.wat assembles to (else run `pnpm build:wasm` in packages/core)', async () => {
    const built = await buildGemmWasm();
    expect(decodeBase64(GEMM_WASM_SIMD)).toEqual(built.simd);
    expect(decodeBase64(GEMM_WASM_RELAXED_SIMD)).toEqual(built.relaxedSimd);
    expect(decodeBase64(GEMM_WASM_SIMD_SHARED)).toEqual(built.simdShared);
    expect(decodeBase64(GEMM_WASM_RELAXED_SIMD_SHARED)).toEqual(built.relaxedSimdShared);
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

  it('the shared variant only swaps the memory line for an imported shared memory, which the module then needs', () => {
    const wat = readFileSync(new URL('./gemm.wat', import.meta.url), 'utf8');
    const own = '(memory (export "memory") 1)';
    const imported = `(import "env" "memory" (memory 1 ${GEMM_SHARED_MAX_PAGES} shared))`;
    expect(GEMM_SHARED_MAX_PAGES).toBe(SHARED_MAX_PAGES);
    expect(sharedVariant(wat).replace(imported, own)).toBe(wat);
    expect(sharedVariant(wat)).not.toContain(own);
    expect(() => sharedVariant(wat.replace(own, '(memory 1)'))).toThrow(/expected one/);
    const module = new wasm.Module(decodeBase64(GEMM_WASM_SIMD_SHARED));
    expect(wasm.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    const shared = new wasm.Memory({ initial: 1, maximum: GEMM_SHARED_MAX_PAGES, shared: true });
    expect(typeof new wasm.Instance(module, { env: { memory: shared } }).exports['gemm']).toBe('function');
    const unshared = new wasm.Memory({ initial: 1, maximum: GEMM_SHARED_MAX_PAGES });
    expect(() => new wasm.Instance(module, { env: { memory: unshared } })).toThrow(wasm.LinkError);
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
