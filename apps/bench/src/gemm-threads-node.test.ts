import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { GEMM_THREADS_MIN_MNK, Tensor, disableGemmThreads, gemmThreads, mm, noGrad } from '@lnlab/core';
import { uniformArray } from './benchmarks/common';
import { enableNodeGemmThreads } from './gemm-threads-node';

describe('the Node adapter of the threaded GEMM', () => {
  afterAll(() => {
    disableGemmThreads();
  });

  it('runs mm on 2 threads with bitwise the 1-thread result, in both benchmark layouts', async () => {
    const n = 200; // 200³ ≥ GEMM_THREADS_MIN_MNK: threaded
    expect(n ** 3).toBeGreaterThanOrEqual(GEMM_THREADS_MIN_MNK);
    const a = new Tensor(uniformArray(n * n, 1), [n, n]);
    const b = new Tensor(uniformArray(n * n, 2), [n, n]);
    const one = [false, true].map((transB) => noGrad(() => mm(a, b, false, transB)).data as Float32Array);
    await enableNodeGemmThreads(2);
    expect(gemmThreads()).toBe(2);
    const two = [false, true].map((transB) => noGrad(() => mm(a, b, false, transB)).data as Float32Array);
    expect(gemmThreads()).toBe(2); // no worker failure along the way
    for (let l = 0; l < 2; l++) {
      expect(Buffer.from(two[l]!.buffer).equals(Buffer.from(one[l]!.buffer))).toBe(true);
    }
    disableGemmThreads();
    expect(gemmThreads()).toBe(1);
  });

  it('idle workers do not keep the process alive (they are unref\'d)', () => {
    const adapter = new URL('./gemm-threads-node.ts', import.meta.url).href;
    const script = `
      import { enableNodeGemmThreads } from ${JSON.stringify(adapter)};
      import { gemmThreads } from '@lnlab/core';
      await enableNodeGemmThreads(2);
      console.log('threads', gemmThreads()); // and return without disableGemmThreads()`;
    const t0 = Date.now();
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', timeout: 30_000,
    });
    expect(child.signal, 'killed by the timeout: the process did not exit').toBeNull();
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe('threads 2');
    expect(Date.now() - t0).toBeLessThan(30_000);
  });
});
