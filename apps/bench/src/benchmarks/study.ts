// 6. The wall time of the default study: `lnlab sweep ln-placement` (30 runs, worker threads, one per core), run
// as a child process exactly as `npm start` runs it (minus the report). --quick runs the `smoke` preset instead.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorMessage, missing, ok } from '../types';
import type { Benchmark, BenchContext, ResultRow } from '../types';

const LNLAB = new URL('../../../trainer/bin/lnlab.mjs', import.meta.url).pathname;

function runSweep(preset: string, out: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--single-threaded-gc', LNLAB, 'sweep', preset, '--out', out, '--no-report'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()).length > 4000 && (err = err.slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`lnlab exited ${code}: ${err.slice(-300)}`))));
  });
}

export async function measureStudy(ctx: BenchContext): Promise<ResultRow> {
  const preset = ctx.quick ? 'smoke' : 'ln-placement';
  const workers = availableParallelism();
  const row: ResultRow = {
    id: `study/${preset}`,
    benchmark: 'study',
    label: `${preset} study (lnlab sweep ${preset}, ${workers} worker thread(s)), wall time`,
    unit: 's',
    better: 'lower',
    cells: {},
  };
  const out = mkdtempSync(join(tmpdir(), 'lnlab-bench-study-'));
  try {
    ctx.log(`study: lnlab sweep ${preset} (this takes minutes in full mode)`);
    const seconds = await runSweep(preset, out);
    row.cells.ours = ok(seconds, { display: `${seconds.toFixed(0)} s` });
  } catch (e) {
    row.cells.ours = missing('failed', errorMessage(e));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return row;
}

export const studyBenchmark: Benchmark = {
  name: 'study',
  title: 'the default study, wall time',
  async run(ctx) {
    return [await measureStudy(ctx)];
  },
};
