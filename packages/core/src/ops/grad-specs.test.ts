import { describe, expect, it } from 'vitest';
import { checkSpec } from '../testing/grad-spec';
import { coreGradSpecs } from './grad-specs';
import * as ops from './index';

/** Exported ops with no gradient: comparisons and argmax return int32. */
const NOT_DIFFERENTIABLE = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'argmax']);

describe('gradient specs', () => {
  it('every exported differentiable op has a spec row', () => {
    const exported = Object.entries(ops)
      .filter(([, v]) => typeof v === 'function')
      .map(([k]) => k)
      .filter((k) => !NOT_DIFFERENTIABLE.has(k));
    const covered = new Set(coreGradSpecs.map((s) => s.op));
    expect(exported.filter((k) => !covered.has(k))).toEqual([]);
    expect(exported.length).toBeGreaterThan(40);
  });

  coreGradSpecs.forEach((spec, i) => {
    it(`gradient${spec.order === 2 ? ' (order 2)' : ''}: ${spec.op} ${spec.label}`, () => {
      expect(() => checkSpec(spec, 1000 + i)).not.toThrow();
    });
  });
});
