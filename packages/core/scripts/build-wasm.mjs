// Assembles src/kernels/wasm/gemm.wat into the committed modules src/kernels/wasm/gemm-wasm.ts (base64 strings), and
// src/kernels/wasm/elementwise.wat into src/kernels/wasm/elementwise-wasm.ts.
// Run: cd packages/core && pnpm build:wasm        (the *-wasm.test.ts files fail while an output is stale)
//
// Two binaries come out of the one source: the plain SIMD module, and a relaxed-SIMD one in which each
// micro-kernel update `(f32x4.add (local.get $cIJ) (f32x4.mul X Y))` is rewritten to
// `(f32x4.relaxed_madd X Y (local.get $cIJ))` (a fused multiply-add where the engine has it). The runtime uses the
// relaxed module only where WebAssembly.validate accepts it.
//
// Each of the two also comes in a shared-memory build for the threaded GEMM (gemm-threads.ts): gemm.wat's own memory
// `(memory (export "memory") 1)` becomes `(import "env" "memory" (memory 1 MAX shared))` (wabt feature `threads`),
// so that the calling thread and its workers run the same code on one WebAssembly.Memory({ shared: true }).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

const root = fileURLToPath(new URL('..', import.meta.url));
export const WAT_FILE = 'src/kernels/wasm/gemm.wat';
export const OUT_FILE = 'src/kernels/wasm/gemm-wasm.ts';

/** The micro-kernel's 16 accumulator updates (2 unrolled steps × 8 accumulators), in the form gemm.wat uses. */
const UPDATE = /\(f32x4\.add (\(local\.get \$c\d\d\)) \(f32x4\.mul (\(local\.get \$\w+\)) (\(local\.get \$\w+\))\)\)/g;
const UPDATES = 16;

/** gemm.wat with its micro-kernel updates fused into relaxed_madd; throws unless exactly UPDATES were found. */
export function relaxedVariant(wat) {
  let count = 0;
  const out = wat.replace(UPDATE, (_, acc, x, y) => {
    count++;
    return `(f32x4.relaxed_madd ${x} ${y} ${acc})`;
  });
  if (count !== UPDATES) throw new Error(`build-wasm: expected ${UPDATES} micro-kernel updates in ${WAT_FILE}, found ${count}`);
  return out;
}

/** Largest shared memory (64 KiB pages): 1 GiB. Workers cannot follow a reallocation, so this is reserved up front. */
export const SHARED_MAX_PAGES = 16384;
const OWN_MEMORY = '(memory (export "memory") 1)';

/** A .wat with its own exported memory turned into an imported shared one; throws unless the line is found once. */
export function sharedVariant(wat) {
  const count = wat.split(OWN_MEMORY).length - 1;
  if (count !== 1) throw new Error(`build-wasm: expected one \`${OWN_MEMORY}\` in ${WAT_FILE}, found ${count}`);
  return wat.replace(OWN_MEMORY, `(import "env" "memory" (memory 1 ${SHARED_MAX_PAGES} shared))`);
}

function assemble(wabt, wat, features, file = WAT_FILE) {
  let mod;
  try {
    mod = wabt.parseWat(file, new TextEncoder().encode(wat), features); // bytes: a string breaks on non-ASCII
  } catch (e) {
    throw new Error(String(e instanceof Error ? e.message : e)); // (rethrown: Node would print wabt's minified line)
  }
  try {
    mod.validate(features);
    return mod.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    mod.destroy();
  }
}

function base64Lines(bytes) {
  const b64 = Buffer.from(bytes).toString('base64');
  const lines = [];
  for (let i = 0; i < b64.length; i += 100) lines.push(`  '${b64.slice(i, i + 100)}'`);
  return lines.join(' +\n');
}

/**
 * Assembles the .wat (read from the package unless given) and returns both binaries and the text of gemm-wasm.ts.
 * The output depends only on the .wat and the wabt version, so rebuilding it is how the test detects staleness.
 */
export async function buildGemmWasm(wat = readFileSync(new URL(`../${WAT_FILE}`, import.meta.url), 'utf8')) {
  const wabt = await wabtInit();
  const simd = assemble(wabt, wat, { simd: true });
  const relaxedSimd = assemble(wabt, relaxedVariant(wat), { simd: true, relaxed_simd: true });
  const simdShared = assemble(wabt, sharedVariant(wat), { simd: true, threads: true });
  const relaxedSimdShared = assemble(wabt, sharedVariant(relaxedVariant(wat)), { simd: true, relaxed_simd: true, threads: true });
  const { version } = createRequire(import.meta.url)('wabt/package.json');
  const source = `// GENERATED FILE: do not edit. Assembled from ${WAT_FILE} by scripts/build-wasm.mjs (wabt ${version}).
// Regenerate with \`cd packages/core && pnpm build:wasm\`; src/kernels/wasm/gemm-wasm.test.ts fails while this is stale.

/** gemm.wat assembled with the SIMD feature (128-bit f32x4), base64 (${simd.length} bytes). */
export const GEMM_WASM_SIMD =
${base64Lines(simd)};

/** The same module with the micro-kernel's mul + add as f32x4.relaxed_madd (relaxed SIMD), base64 (${relaxedSimd.length} bytes). */
export const GEMM_WASM_RELAXED_SIMD =
${base64Lines(relaxedSimd)};

/** Pages (64 KiB) of the shared builds' imported memory at most: its \`maximum\` must be exactly this. */
export const GEMM_SHARED_MAX_PAGES = ${SHARED_MAX_PAGES};

/** GEMM_WASM_SIMD with an imported shared memory (env.memory), for the threaded GEMM, base64 (${simdShared.length} bytes). */
export const GEMM_WASM_SIMD_SHARED =
${base64Lines(simdShared)};

/** GEMM_WASM_RELAXED_SIMD with an imported shared memory (env.memory), base64 (${relaxedSimdShared.length} bytes). */
export const GEMM_WASM_RELAXED_SIMD_SHARED =
${base64Lines(relaxedSimdShared)};
`;
  return { simd, relaxedSimd, simdShared, relaxedSimdShared, source };
}

export const ELEMENTWISE_WAT_FILE = 'src/kernels/wasm/elementwise.wat';
export const ELEMENTWISE_OUT_FILE = 'src/kernels/wasm/elementwise-wasm.ts';

/**
 * Assembles elementwise.wat (read from the package unless given; SIMD only, no relaxed variant) and returns the
 * binary and the text of elementwise-wasm.ts.
 */
export async function buildElementwiseWasm(
  wat = readFileSync(new URL(`../${ELEMENTWISE_WAT_FILE}`, import.meta.url), 'utf8'),
) {
  const wabt = await wabtInit();
  const simd = assemble(wabt, wat, { simd: true }, ELEMENTWISE_WAT_FILE);
  const { version } = createRequire(import.meta.url)('wabt/package.json');
  const source = `// GENERATED FILE: do not edit. Assembled from ${ELEMENTWISE_WAT_FILE} by scripts/build-wasm.mjs (wabt ${version}).
// Regenerate with \`cd packages/core && pnpm build:wasm\`; src/kernels/wasm/elementwise-wasm.test.ts fails while this is stale.

/** elementwise.wat assembled with the SIMD feature (128-bit f32x4), base64 (${simd.length} bytes). */
export const ELEMENTWISE_WASM_SIMD =
${base64Lines(simd)};
`;
  return { simd, source };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { simd, relaxedSimd, simdShared, relaxedSimdShared, source } = await buildGemmWasm();
  writeFileSync(`${root}${OUT_FILE}`, source);
  console.log(`wrote ${OUT_FILE}: simd ${simd.length} bytes, relaxed-simd ${relaxedSimd.length} bytes, shared ${simdShared.length} / ${relaxedSimdShared.length} bytes`);
  const elementwise = await buildElementwiseWasm();
  writeFileSync(`${root}${ELEMENTWISE_OUT_FILE}`, elementwise.source);
  console.log(`wrote ${ELEMENTWISE_OUT_FILE}: simd ${elementwise.simd.length} bytes`);
}
