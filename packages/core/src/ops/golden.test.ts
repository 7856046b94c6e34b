// Golden tests against PyTorch (../shared/fixtures/torch): gelu and log_softmax / cross-entropy math.
import { describe, expect, it } from 'vitest';
import { loadFixture, maxRelError } from '../testing/fixtures';
import { grad } from '../autograd/engine';
import { cast, eq, gather, gelu, logSoftmax, mul, ne, reshape, sum, where, div, neg, clamp } from './index';
import type { Tensor } from '../tensor';
import type { FloatDType } from '../dtype';

const TOL: Record<FloatDType, number> = { float64: 1e-8, float32: 1e-4 };

/** Mean cross-entropy over targets ≠ ignoreIndex, written from primitives (nn has the fused version). */
function crossEntropyComposite(logits: Tensor, target: Tensor, ignoreIndex = -100): Tensor {
  const valid = ne(target, ignoreIndex);
  const safe = where(eq(target, ignoreIndex), 0, cast(target, logits.dtype));
  const picked = gather(logSoftmax(logits, -1), 1, reshape(cast(safe, 'int32'), [-1, 1]));
  const w = cast(reshape(valid, [-1, 1]), logits.dtype);
  return div(neg(sum(mul(picked, w))), clamp(sum(w), 1));
}

describe.each(['float64', 'float32'] as const)('golden %s', (dtype) => {
  it('gelu (erf and tanh forms): values and gradients', () => {
    const f = loadFixture('gelu');
    const x = f.get('in.x', dtype);
    x.requiresGrad = true;
    const g = f.get('upstream', dtype);
    for (const [form, approximate] of [['erf', 'none'], ['tanh', 'tanh']] as const) {
      const y = gelu(x, { approximate });
      expect(maxRelError(y, f.get(`out.${form}`))).toBeLessThan(TOL[dtype]);
      const [dx] = grad(sum(mul(y, g)), x);
      expect(maxRelError(dx!, f.get(`grad.in.x_${form}`))).toBeLessThan(TOL[dtype]);
    }
  });

  it('log_softmax: values and gradients', () => {
    const f = loadFixture('cross_entropy');
    const z = f.get('in.z', dtype);
    z.requiresGrad = true;
    const y = logSoftmax(z, -1);
    expect(maxRelError(y, f.get('out.log_softmax'))).toBeLessThan(TOL[dtype]);
    const [dz] = grad(sum(mul(y, f.get('upstream', dtype))), z);
    expect(maxRelError(dz!, f.get('grad.in.z'))).toBeLessThan(TOL[dtype]);
  });

  it('cross-entropy with ignore_index=-100 from primitives: loss and gradient', () => {
    const f = loadFixture('cross_entropy');
    expect(f.config).toMatchObject({ ignore_index: -100 });
    const logits = f.get('in.logits', dtype);
    logits.requiresGrad = true;
    const target = f.get('in.target');
    expect(Array.from(target.data)).toContain(-100);
    const loss = crossEntropyComposite(logits, target);
    expect(maxRelError(reshape(loss, [1]), f.get('out.loss'))).toBeLessThan(TOL[dtype]);
    const [dl] = grad(loss, logits);
    expect(maxRelError(dl!, f.get('grad.in.logits'))).toBeLessThan(TOL[dtype]);
  });
});
