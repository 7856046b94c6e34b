#!/usr/bin/env node
// The lnlab executable: loads the TypeScript sources through tsx (no build step) and runs the CLI.
import { setFlagsFromString } from 'node:v8';
import { register } from 'tsx/esm/api';

// WebAssembly relaxed SIMD lets core's GEMM kernel use fused multiply-adds (~20% faster here; rounded once instead
// of twice, so the last bits differ from the plain-SIMD build the unit tests exercise by default). V8 ships it
// from 11.4 (Node 22); Node 20's V8 11.3 has it behind a flag. Flags are process-wide, so the sweep's worker
// threads get it too; it must be set before the kernel is compiled (on its first use), as it is here.
if (Number(process.versions.v8.split('.').slice(0, 2).join('.')) < 11.4) setFlagsFromString('--experimental-wasm-relaxed-simd');
register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
