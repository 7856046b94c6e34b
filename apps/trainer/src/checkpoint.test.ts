import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKPOINT_FILE, readCheckpoint } from './checkpoint';

/** A child that trains with a checkpoint every step, to be killed with SIGKILL at an arbitrary moment. */
function startChild(runDir: string): ReturnType<typeof spawn> {
  return spawn(process.execPath, [new URL('./checkpoint-child.mjs', import.meta.url).pathname, runDir], { stdio: 'ignore' });
}

describe('checkpoints', () => {
  it('a run killed with SIGKILL mid-write always leaves a loadable checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lnlab-kill-'));
    const ckpt = join(dir, 'run', CHECKPOINT_FILE);
    // Three kills at arbitrary moments of a loop that writes a checkpoint (≈1 MB, fsync) after every step.
    for (let round = 0; round < 3; round++) {
      const child = startChild(join(dir, 'run'));
      const deadline = Date.now() + 30_000;
      while (!existsSync(ckpt) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(existsSync(ckpt)).toBe(true);
      await new Promise((r) => setTimeout(r, 100 + Math.floor(Math.random() * 300)));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const loaded = readCheckpoint(join(dir, 'run'));
      expect(loaded.state.step).toBeGreaterThan(0);
      expect(loaded.tensors.get('lm_head.weight')!.shape).toEqual([17, 64]);
      expect([...loaded.tensors.keys()].some((k) => k.startsWith('optimizer.state.'))).toBe(true);
      // Temporary files of an interrupted write may remain; they are never the checkpoint itself.
      expect(readdirSync(join(dir, 'run')).filter((f) => f === CHECKPOINT_FILE)).toHaveLength(1);
    }
  }, 60_000);

  it('resume without a checkpoint says how to get one', () => {
    expect(() => readCheckpoint(mkdtempSync(join(tmpdir(), 'lnlab-none-')))).toThrow(/resume: no checkpoint.safetensors in .* \(run with --checkpoint-every N to write one\)/);
  });
});
