import { describe, expect, it } from 'vitest';
import { renderMarkdown, speedRatio } from './report';
import { runSuite } from './suite';

describe('the --quick matmul benchmark, ours only', () => {
  it('measures every size and layout in a few seconds and renders a table', async () => {
    const t0 = performance.now();
    const { rows, meta } = await runSuite({ only: ['matmul'], quick: true, peers: [], log: () => {} });
    const seconds = (performance.now() - t0) / 1000;
    expect(seconds).toBeLessThan(10);
    expect(meta.benchmarks).toEqual(['matmul']);
    const oneThread = rows.filter((r) => r.id.endsWith('/1t'));
    expect(oneThread.map((r) => r.label)).toEqual([
      'matmul 32³ A·B, 1 thread', 'matmul 32³ A·Bᵀ, 1 thread', 'matmul 64³ A·B, 1 thread', 'matmul 64³ A·Bᵀ, 1 thread',
    ]);
    for (const r of oneThread) {
      const ours = r.cells.ours;
      expect(ours?.status).toBe('ok');
      if (ours?.status === 'ok') {
        expect(ours.value).toBeGreaterThan(0.01); // GFLOP/s
        expect(ours.stats?.reps).toBeGreaterThanOrEqual(2);
      }
      expect(r.cells['tfjs-wasm']).toEqual({ status: 'skipped', reason: 'not selected (--peers)' });
      expect(speedRatio(r, 'tfjs-wasm')).toBeNull();
    }
    const twoThreads = rows.find((r) => r.id === 'matmul/64/A·B/2t');
    expect(twoThreads?.cells.ours).toMatchObject({ status: 'ok', note: 'below the 2-thread threshold (128³): runs on 1 thread' });
    const md = renderMarkdown(rows);
    expect(md).toContain('| matmul 64³ A·Bᵀ, 1 thread | GFLOP/s |');
    expect(md).toContain('below the 2-thread threshold');
  });
});

describe('ratios', () => {
  it('divide the peer time by ours, for times and for throughputs alike', () => {
    const time = { id: 't', benchmark: 'x', label: 't', unit: 'ms', better: 'lower' as const, cells: { ours: { status: 'ok' as const, value: 10 }, 'tfjs-wasm': { status: 'ok' as const, value: 32 } } };
    const rate = { ...time, better: 'higher' as const, cells: { ours: { status: 'ok' as const, value: 5 }, 'tfjs-wasm': { status: 'ok' as const, value: 20 } } };
    expect(speedRatio(time, 'tfjs-wasm')).toBeCloseTo(3.2);
    expect(speedRatio(rate, 'tfjs-wasm')).toBeCloseTo(0.25);
    expect(renderMarkdown([time, rate])).toContain('3.2× (ours faster)');
    expect(renderMarkdown([time, rate])).toContain('0.25× (tfjs-wasm 4.0× faster)');
  });
});
