import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';

describe('README example', () => {
  it('trains two steps (loss goes down) and reloads the saved encoder exactly', async () => {
    const { example } = await import('./readme-example');
    expect(example.losses).toHaveLength(2);
    expect(example.losses[1]!).toBeLessThan(example.losses[0]!);
    for (const [k, t] of example.encoder.stateDict()) {
      expect(Array.from(example.reloaded.stateDict().get(k)!.data), k).toEqual(Array.from(t.data));
    }
    const x = example.embed.forward(example.ids);
    expect(Array.from(example.reloaded.forward(x, { isCausal: true }).data)).toEqual(Array.from(example.encoder.forward(x, { isCausal: true }).data));
  });

  it('is the code shown in the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const here = readFileSync(new URL('./readme-example.ts', import.meta.url), 'utf8');
    const body = here.split('\n').filter((l) => l.trim() && !l.startsWith('//') && !l.startsWith('import') && !l.startsWith('export'));
    expect(body.length).toBeGreaterThanOrEqual(18);
    for (const l of body) expect(readme, l).toContain(l);
  });
});
