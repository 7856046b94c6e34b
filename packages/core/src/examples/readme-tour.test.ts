import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';

describe('README tour', () => {
  it('runs as written and gives what its comments say', async () => {
    const { tour } = await import('./readme-tour');
    expect(tour.dot).toContain('label="matmul"');
    expect(tour.hvpShape).toEqual([3, 4]);
    expect(tour.zRequiresGrad).toBe(false);
    expect(tour.grad!.shape).toEqual([3, 4]);
  });

  it('matches the README code block', () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    const here = readFileSync(new URL('./readme-tour.ts', import.meta.url), 'utf8');
    const lines = here.split('\n').filter((l) => l.startsWith('const ') || l.startsWith('y.') || l.startsWith('gradcheck'));
    expect(lines.length).toBeGreaterThan(8);
    for (const l of lines) expect(readme).toContain(l.replace(/\s+\/\/.*$/, '').trim());
  });
});
