// Entry point: `pnpm --filter @lnlab/bench bench [--quick] [--only …] [--peers …] [--out dir]`.
// Progress goes to stderr; the Markdown table goes to stdout and, with the JSON, into the out directory.
import { USAGE, parseCli } from './cli';
import type { CliOptions } from './cli';
import { BENCHMARKS } from './benchmarks/index';
import { DEFAULT_OUT, renderSuite, runSuite, writeResults } from './suite';
import { errorMessage } from './types';
import { setElementwiseBackend, setGemmBackend } from '@lnlab/core';

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
