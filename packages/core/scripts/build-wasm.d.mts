// Types for build-wasm.mjs (imported by src/kernels/wasm/gemm-wasm.test.ts and elementwise-wasm.test.ts).
export declare const WAT_FILE: string;
export declare const OUT_FILE: string;
/** gemm.wat with its micro-kernel's f32x4 mul + add updates rewritten to f32x4.relaxed_madd. */
export declare function relaxedVariant(wat: string): string;
/** Largest shared memory of the threaded builds, in 64 KiB pages. */
export declare const SHARED_MAX_PAGES: number;
/** gemm.wat with its exported memory turned into an imported shared one (env.memory, SHARED_MAX_PAGES at most). */
export declare function sharedVariant(wat: string): string;
/** Assembles gemm.wat (read from the package unless given): the four binaries and the text of gemm-wasm.ts. */
export declare function buildGemmWasm(wat?: string): Promise<{
  simd: Uint8Array; relaxedSimd: Uint8Array; simdShared: Uint8Array; relaxedSimdShared: Uint8Array; source: string;
}>;
export declare const ELEMENTWISE_WAT_FILE: string;
export declare const ELEMENTWISE_OUT_FILE: string;
/** Assembles elementwise.wat (read from the package unless given): the binary and the text of elementwise-wasm.ts. */
export declare function buildElementwiseWasm(wat?: string): Promise<{ simd: Uint8Array; source: string }>;
