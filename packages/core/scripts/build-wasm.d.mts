// Types for build-wasm.mjs (imported by src/kernels/wasm/gemm-wasm.test.ts).
export declare const WAT_FILE: string;
export declare const OUT_FILE: string;
/** gemm.wat with its micro-kernel's f32x4 mul + add updates rewritten to f32x4.relaxed_madd. */
export declare function relaxedVariant(wat: string): string;
/** Assembles gemm.wat (read from the package unless given): both binaries and the text of gemm-wasm.ts. */
export declare function buildGemmWasm(wat?: string): Promise<{ simd: Uint8Array; relaxedSimd: Uint8Array; source: string }>;
