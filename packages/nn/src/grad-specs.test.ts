import { describe, expect, it } from 'vitest';
import { checkSpec } from '@lnlab/core/testing';
import { nnGradSpecs } from './grad-specs';
import * as nn from './index';
import * as optim from './optim/index';

/** Exports with nothing to differentiate: containers, markers, initialisers, factories, I/O, masks, optimizers. */
const NOT_DIFFERENTIABLE = new Set([
  'ModuleList', 'Parameter', 'Buffer', 'uniform', 'normal', 'constant', 'kaimingUniform', 'xavierUniform', 'fans',
  'makeNorm', 'NORM_KINDS', 'saveModule', 'loadModule', 'causalMask',
]);

describe('nn gradient specs', () => {
  it('every exported differentiable module and function has a spec row', () => {
    const exported = Object.entries(nn)
      .filter(([k, v]) => typeof v === 'function' && !NOT_DIFFERENTIABLE.has(k) && !isOptim(k))
      .map(([k]) => k);
    const covered = new Set(nnGradSpecs.map((s) => s.op));
    expect(exported.filter((k) => !covered.has(k))).toEqual([]);
    expect(exported.length).toBeGreaterThan(20);
  });

  nnGradSpecs.forEach((spec, i) => {
    it(`gradient${spec.order === 2 ? ' (order 2)' : ''}: ${spec.op} ${spec.label}`, () => {
      expect(() => checkSpec(spec, 2000 + i)).not.toThrow();
    });
  });
});

/** Optimizers, clipping and schedules update tensors in place: nothing to gradient-check. */
function isOptim(name: string): boolean {
  return name in optim || name === 'constantSchedule';
}
