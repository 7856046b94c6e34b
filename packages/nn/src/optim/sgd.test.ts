import { describe, expect, it } from 'vitest';
import { SGD } from './sgd';
import { tensor } from '@lnlab/core';
import { expectClose, makeParams, problem, setGrads } from './test-problem';

interface RefSGD {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

// torch.optim.SGD's documented algorithm, written out per element:
//   g ← ∇ + λθ;  b_1 = g, b_t = μ b_{t−1} + (1 − τ) g;  g ← nesterov ? g + μ b_t : b_t;  θ ← θ − γ g
function referenceSGD(init: number[][], grads: number[][][], o: RefSGD): number[][] {
  const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = o;
  const theta = init.map((p) => [...p]);
  const buf = init.map((p) => p.map(() => 0));
  grads.forEach((gs, t) => {
    theta.forEach((th, k) => {
      for (let i = 0; i < th.length; i++) {
        let g = gs[k]![i]! + weightDecay * th[i]!;
        if (momentum !== 0) {
          buf[k]![i] = t === 0 ? g : momentum * buf[k]![i]! + (1 - dampening) * g;
          g = nesterov ? g + momentum * buf[k]![i]! : buf[k]![i]!;
        }
        th[i] = th[i]! - lr * g;
      }
    });
  });
  return theta;
}

describe('SGD', () => {
  const { init, grads } = problem(7);
  const cases: [string, RefSGD][] = [
    ['plain', { lr: 0.1 }],
    ['momentum', { lr: 0.05, momentum: 0.9 }],
    ['momentum with dampening', { lr: 0.05, momentum: 0.8, dampening: 0.3 }],
    ['nesterov', { lr: 0.05, momentum: 0.9, nesterov: true }],
    ['weight decay', { lr: 0.1, weightDecay: 0.01 }],
    ['nesterov with weight decay', { lr: 0.05, momentum: 0.7, weightDecay: 0.05, nesterov: true }],
  ];
  for (const [name, o] of cases) {
    it(`matches the reference update over 5 steps (float64, ${name})`, () => {
      const params = makeParams(init, 'float64');
      const opt = new SGD(params, o);
      for (const g of grads) {
        setGrads(params, g);
        opt.step();
      }
      const ref = referenceSGD(init, grads, o);
      params.forEach((p, k) => expectClose(p.data, ref[k]!, 1e-12));
    });
  }

  it('float32 runs stay float32 and within 1e-6 of the float64 reference', () => {
    const o = { lr: 0.05, momentum: 0.9, weightDecay: 0.01, nesterov: true };
    const params = makeParams(init, 'float32');
    const opt = new SGD(params, o);
    for (const g of grads) {
      setGrads(params, g);
      opt.step();
    }
    const ref = referenceSGD(init, grads, o);
    params.forEach((p, k) => {
      expect(p.data).toBeInstanceOf(Float32Array);
      expect(opt.state.get(p)!.momentum_buffer).toBeInstanceOf(Float32Array);
      expectClose(p.data, ref[k]!, 1e-6);
    });
  });

  it('initialises the momentum buffer to the first gradient (no dampening at step 1)', () => {
    const p = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.5 });
    p.grad = tensor([0.5, -1], { dtype: 'float64' });
    opt.step();
    expect(Array.from(opt.state.get(p)!.momentum_buffer as Float64Array)).toEqual([0.5, -1]);
    expect(Array.from(p.data)).toEqual([1 - 0.1 * 0.5, 2 + 0.1]);
    opt.step();
    expect(Array.from(opt.state.get(p)!.momentum_buffer as Float64Array)).toEqual([0.9 * 0.5 + 0.5 * 0.5, 0.9 * -1 + 0.5 * -1]);
  });

  it('keeps no state without momentum', () => {
    const params = makeParams(init, 'float64');
    const opt = new SGD(params, { lr: 0.1 });
    setGrads(params, grads[0]!);
    opt.step();
    expect(opt.state.size).toBe(0);
  });

  it('maximize equals minimizing the negated gradient, weight decay included (as torch implements it)', () => {
    const o = { lr: 0.05, momentum: 0.9, weightDecay: 0.1 };
    const a = makeParams(init, 'float64');
    const b = makeParams(init, 'float64');
    const max = new SGD(a, { ...o, maximize: true });
    const min = new SGD(b, o);
    for (const g of grads) {
      setGrads(a, g);
      setGrads(
        b,
        g.map((v) => v.map((x) => -x)),
      );
      max.step();
      min.step();
    }
    a.forEach((p, k) => expect(Array.from(p.data)).toEqual(Array.from(b[k]!.data)));
  });

  it('skips parameters whose grad is null', () => {
    const params = makeParams(init, 'float64');
    const before = Array.from(params[1]!.data);
    const opt = new SGD(params, { lr: 0.1, momentum: 0.9 });
    setGrads(params, grads[0]!);
    params[1]!.grad = null;
    opt.step();
    expect(Array.from(params[1]!.data)).toEqual(before);
    expect(opt.state.has(params[1]!)).toBe(false);
    expect(opt.state.has(params[0]!)).toBe(true);
  });

  it('uses per-group hyperparameters and picks up lr changes between steps', () => {
    const params = makeParams(init, 'float64');
    const opt = new SGD([{ params: [params[0]!, params[1]!] }, { params: [params[2]!], lr: 0.5, momentum: 0 }], { lr: 0.1, momentum: 0.9 });
    expect(opt.paramGroups[0]!.momentum).toBe(0.9);
    expect(opt.paramGroups[1]!.momentum).toBe(0);
    const lrs = [0.1, 0.05, 0.2, 0.01, 0.3];
    grads.forEach((g, t) => {
      opt.paramGroups[0]!.lr = lrs[t]!;
      setGrads(params, g);
      opt.step();
    });
    // Reference with the lr changing per step: run it step by step.
    let theta = init.slice(0, 2);
    const bufs = theta.map((p) => p.map(() => 0));
    grads.forEach((g, t) => {
      theta = theta.map((th, k) =>
        th.map((x, i) => {
          bufs[k]![i] = t === 0 ? g[k]![i]! : 0.9 * bufs[k]![i]! + g[k]![i]!;
          return x - lrs[t]! * bufs[k]![i]!;
        }),
      );
    });
    expectClose(params[0]!.data, theta[0]!, 1e-12);
    expectClose(params[1]!.data, theta[1]!, 1e-12);
    expectClose(params[2]!.data, referenceSGD([init[2]!], grads.map((g) => [g[2]!]), { lr: 0.5 })[0]!, 1e-12);
  });

  it('validates its options with clear errors', () => {
    const p = tensor([1], { requiresGrad: true });
    expect(() => new SGD([p], {} as { lr: number })).toThrow(/SGD: lr is required/);
    expect(() => new SGD([p], { lr: -1 })).toThrow(/SGD: invalid lr -1 \(must be a finite number ≥ 0\)/);
    expect(() => new SGD([p], { lr: 0.1, momentum: -0.5 })).toThrow(/SGD: invalid momentum -0.5/);
    expect(() => new SGD([p], { lr: 0.1, weightDecay: Number.NaN })).toThrow(/SGD: invalid weightDecay NaN/);
    expect(() => new SGD([p], { lr: 0.1, nesterov: true })).toThrow(/SGD: nesterov momentum requires momentum > 0 and dampening 0/);
    expect(() => new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(/dampening 0.1/);
    expect(() => new SGD([p], { lr: 0.1, weight_decay: 0.1 } as unknown as { lr: number })).toThrow(/SGD: unknown option 'weight_decay'/);
    expect(() => new SGD([{ params: [p], momentum: -1 }], { lr: 0.1 })).toThrow(/SGD: parameter group 0: invalid momentum -1/);
  });

  it('rejects a gradient whose size differs from the parameter', () => {
    const p = tensor([1, 2], { requiresGrad: true });
    const opt = new SGD([p], { lr: 0.1 });
    p.grad = tensor([1, 2, 3]);
    expect(() => opt.step()).toThrow(/SGD.step: parameter 0 \[2\] has a float32 gradient of shape \[3\]/);
  });
});
