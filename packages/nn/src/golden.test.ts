// Golden tests against every PyTorch fixture in ../shared/fixtures/torch, in float64 and float32
// (the comparisons themselves live in testing/fixture-cases.ts, shared with examples/fixture-errors.ts).
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturesDir } from '@lnlab/core/testing';
import { FIXTURE_CASES, keyBiasAfterTrajectory, runFixture } from './testing/fixture-cases';

describe('fixtures', () => {
  it('every fixture file has a case', () => {
    const files = readdirSync(fixturesDir()).filter((f) => f.endsWith('.safetensors')).map((f) => f.replace('.safetensors', ''));
    expect(files.length).toBe(12);
    expect(files.filter((f) => !(f in FIXTURE_CASES))).toEqual([]);
  });
});

describe.each(['float64', 'float32'] as const)('golden vs PyTorch (%s)', (dtype) => {
  for (const name of Object.keys(FIXTURE_CASES)) {
    it(name, () => {
      const results = runFixture(name, dtype);
      expect(results.length).toBeGreaterThan(0);
      for (const r of results) expect(r.error, `${name} ${r.key}`).toBeLessThan(r.tol);
    });
  }

  it('tiny LM: the key part of in_proj_bias (zero gradient in exact arithmetic) stays noise-sized', () => {
    const { values, bound } = keyBiasAfterTrajectory(dtype);
    expect(values.length).toBe(2);
    for (const v of values) expect(Math.max(...Array.from(v.data, Math.abs))).toBeLessThan(bound);
  });
});
