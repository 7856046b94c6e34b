// Entry point: `pnpm --filter @lnlab/bench bench [--quick] [--only …] [--peers …] [--out dir]`.
// Progress goes to stderr; the Markdown table goes to stdout and, with the JSON, into the out directory.
import { USAGE, parseCli } from './cli';
import type { CliOptions } from './cli';
import { BENCHMARKS } from './benchmarks/index';
import { DEFAULT_OUT, renderSuite, runSuite, writeResults } from './suite';
import { errorMessage } from './types';
import { setElementwiseBackend, setGemmBackend } from '@lnlab/core';
import { setFlagsFromString } from 'node:v8';

async function main(): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCli(process.argv.slice(2), BENCHMARKS.map((b) => b.name), DEFAULT_OUT);
  } catch (e) {
    process.stderr.write(`${errorMessage(e, 400)}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  // As the lnlab executable does (see apps/trainer/bin/lnlab.mjs): Node 20 has WebAssembly relaxed SIMD (the GEMM
  // kernel's fused multiply-add build) behind a V8 flag, set here before the kernel is first compiled.
  if (Number(process.versions.v8.split('.').slice(0, 2).join('.')) < 11.4) setFlagsFromString('--experimental-wasm-relaxed-simd');
  setGemmBackend(options.backend);
  setElementwiseBackend(options.backend);
  const result = await runSuite(options);
  process.stdout.write(`\n${renderSuite(result)}`);
  const files = await writeResults(result, options.out);
  process.stderr.write(`\nwrote ${files.slice(0, 2).join(' and ')} (and latest.*)\n`);
  const oursFailed = result.rows.filter((r) => r.cells.ours?.status === 'failed');
  if (oursFailed.length > 0) {
    process.stderr.write(`ours failed on: ${oursFailed.map((r) => r.label).join('; ')}\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code), // exit explicitly: wasm runtimes can keep handles open
  (e: unknown) => {
    process.stderr.write(`bench: ${errorMessage(e, 400)}\n`);
    process.exit(1);
  },
);
