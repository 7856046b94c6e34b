import { describe, expect, it } from 'vitest';
import { Adam, AdamW } from './adam';
import { tensor } from '@lnlab/core';
import type { Tensor } from '@lnlab/core';
import { expectClose, makeParams, problem, setGrads } from './test-problem';

interface RefAdam {
  lrs: number[]; // lr per step
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
  amsgrad: boolean;
  maximize?: boolean;
}

// The algorithm box of torch.optim.Adam / AdamW's documentation, per element, in textbook form:
//   g_t ← ±∇ (+ λθ_{t−1} for Adam)        θ_{t−1} ← θ_{t−1} − γλθ_{t−1} (AdamW)
//   m_t ← β1 m_{t−1} + (1 − β1) g_t       v_t ← β2 v_{t−1} + (1 − β2) g_t²
//   m̂_t ← m_t / (1 − β1^t)               v̂_t ← (amsgrad ? max(v^max_{t−1}, v_t) : v_t) / (1 − β2^t)
//   θ_t ← θ_{t−1} − γ m̂_t / (√v̂_t + ε)
function referenceAdam(init: number[][], grads: number[][][], o: RefAdam): { theta: number[][]; m: number[][]; v: number[][] } {
  const theta = init.map((p) => [...p]);
  const m = init.map((p) => p.map(() => 0));
  const v = init.map((p) => p.map(() => 0));
  const vmax = init.map((p) => p.map(() => 0));
  grads.forEach((gs, s) => {
    const t = s + 1;
    const lr = o.lrs[s]!;
    theta.forEach((th, k) => {
      for (let i = 0; i < th.length; i++) {
        let g = o.maximize ? -gs[k]![i]! : gs[k]![i]!;
        if (o.decoupled) th[i] = th[i]! - lr * o.weightDecay * th[i]!;
        else g = g + o.weightDecay * th[i]!;
        m[k]![i] = o.beta1 * m[k]![i]! + (1 - o.beta1) * g;
        v[k]![i] = o.beta2 * v[k]![i]! + (1 - o.beta2) * g * g;
        vmax[k]![i] = Math.max(vmax[k]![i]!, v[k]![i]!);
        const mHat = m[k]![i]! / (1 - o.beta1 ** t);
        const vHat = (o.amsgrad ? vmax[k]![i]! : v[k]![i]!) / (1 - o.beta2 ** t);
        th[i] = th[i]! - (lr * mHat) / (Math.sqrt(vHat) + o.eps);
      }
    });
  });
  return { theta, m, v };
}

function run(params: Tensor[], opt: Adam, grads: number[][][], lrs?: number[]): void {
  grads.forEach((g, t) => {
    if (lrs) for (const group of opt.paramGroups) group.lr = lrs[t]!;
    setGrads(params, g);
    opt.step();
  });
}

const five = (lr: number): number[] => [lr, lr, lr, lr, lr];

describe('Adam', () => {
  const { init, grads } = problem(3);

  it('matches the reference update over 5 steps (float64)', () => {
    const params = makeParams(init, 'float64');
    const opt = new Adam(params, { lr: 0.01 });
    run(params, opt, grads);
    const ref = referenceAdam(init, grads, { lrs: five(0.01), beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, amsgrad: false });
    params.forEach((p, k) => {
      expectClose(p.data, ref.theta[k]!, 1e-12);
      const st = opt.state.get(p)!;
      expect(st.step).toBe(5);
      expectClose(st.exp_avg as Float64Array, ref.m[k]!, 1e-12);
      expectClose(st.exp_avg_sq as Float64Array, ref.v[k]!, 1e-12);
    });
  });

  it('matches the reference update over 5 steps with L2 weight decay and other betas/eps (float64)', () => {
    const params = makeParams(init, 'float64');
    const opt = new Adam(params, { lr: 0.02, betas: [0.8, 0.95], eps: 1e-6, weightDecay: 0.1 });
    run(params, opt, grads);
    const ref = referenceAdam(init, grads, { lrs: five(0.02), beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1, decoupled: false, amsgrad: false });
    params.forEach((p, k) => expectClose(p.data, ref.theta[k]!, 1e-12));
  });

  it('matches the reference update over 5 steps with amsgrad (float64)', () => {
    const params = makeParams(init, 'float64');
    const opt = new Adam(params, { lr: 0.01, betas: [0.9, 0.99], amsgrad: true, weightDecay: 0.01 });
    run(params, opt, grads);
    const o = { lrs: five(0.01), beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01, decoupled: false, amsgrad: true };
    const ref = referenceAdam(init, grads, o);
    const plain = referenceAdam(init, grads, { ...o, amsgrad: false });
    params.forEach((p, k) => {
      expectClose(p.data, ref.theta[k]!, 1e-12);
      expect(opt.state.get(p)!.max_exp_avg_sq).toBeInstanceOf(Float64Array);
    });
    // The problem is built so that the running max changes the result.
    expect(Math.abs(ref.theta[0]![0]! - plain.theta[0]![0]!)).toBeGreaterThan(1e-6);
  });

  it('matches the reference with maximize and a learning rate changed between steps (float64)', () => {
    const lrs = [0.01, 0.005, 0.02, 0.001, 0.01];
    const params = makeParams(init, 'float64');
    const opt = new Adam(params, { maximize: true, weightDecay: 0.05 });
    run(params, opt, grads, lrs);
    const ref = referenceAdam(init, grads, { lrs, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05, decoupled: false, amsgrad: false, maximize: true });
    params.forEach((p, k) => expectClose(p.data, ref.theta[k]!, 1e-12));
  });

  it('float32 runs keep float32 state and stay within 1e-6 of the float64 reference', () => {
    const params = makeParams(init, 'float32');
    const opt = new Adam(params, { lr: 0.01, weightDecay: 0.01, amsgrad: true });
    run(params, opt, grads);
    const ref = referenceAdam(init, grads, { lrs: five(0.01), beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: false, amsgrad: true });
    params.forEach((p, k) => {
      expect(p.data).toBeInstanceOf(Float32Array);
      const st = opt.state.get(p)!;
      for (const key of ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']) expect(st[key]).toBeInstanceOf(Float32Array);
      expectClose(p.data, ref.theta[k]!, 1e-6);
    });
  });

  it('counts steps per parameter and skips parameters whose grad is null', () => {
    const params = makeParams(init, 'float64');
    const opt = new Adam(params, { lr: 0.01 });
    const frozen = Array.from(params[2]!.data);
    // Parameter 1 only gets gradients from step 3 on; parameter 2 never.
    grads.forEach((g, t) => {
      setGrads(params, g);
      if (t < 2) params[1]!.grad = null;
      params[2]!.grad = null;
      opt.step();
    });
    expect(opt.state.get(params[0]!)!.step).toBe(5);
    expect(opt.state.get(params[1]!)!.step).toBe(3);
    expect(opt.state.has(params[2]!)).toBe(false);
    expect(Array.from(params[2]!.data)).toEqual(frozen);
    const ref = referenceAdam([init[1]!], grads.slice(2).map((g) => [g[1]!]), { lrs: five(0.01), beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, amsgrad: false });
    expectClose(params[1]!.data, ref.theta[0]!, 1e-12);
  });

  it('zeroGrad sets every grad to null', () => {
    const params = makeParams(init, 'float64');
    const opt = new Adam(params);
    setGrads(params, grads[0]!);
    opt.zeroGrad();
    expect(params.every((p) => p.grad === null)).toBe(true);
  });

  it('has PyTorch defaults and validates its options', () => {
    const p = tensor([1], { requiresGrad: true });
    const opt = new Adam([p]);
    expect(opt.paramGroups[0]).toMatchObject({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
    expect(() => new Adam([p], { lr: -0.1 })).toThrow(/Adam: invalid lr -0.1/);
    expect(() => new Adam([p], { betas: [0.9, 1] })).toThrow(/Adam: invalid betas\[1\] 1 \(must be a finite number in \[0, 1\)\)/);
    expect(() => new Adam([p], { betas: [-0.1, 0.9] })).toThrow(/Adam: invalid betas\[0\] -0.1/);
    expect(() => new Adam([p], { betas: [0.9] as unknown as [number, number] })).toThrow(/Adam: invalid betas \(must be a pair/);
    expect(() => new Adam([p], { eps: -1 })).toThrow(/Adam: invalid eps -1/);
    expect(() => new Adam([p], { weightDecay: -1 })).toThrow(/Adam: invalid weightDecay -1/);
    expect(() => new Adam([p], { amsgrad: 1 as unknown as boolean })).toThrow(/Adam: invalid amsgrad 1 \(must be true or false\)/);
    expect(() => new Adam([p], { beta1: 0.9 } as unknown as object)).toThrow(/Adam: unknown option 'beta1'/);
  });
});

describe('AdamW', () => {
  const { init, grads } = problem(11);

  it('matches the reference update over 5 steps (float64)', () => {
    const params = makeParams(init, 'float64');
    const opt = new AdamW(params, { lr: 0.01, weightDecay: 0.1 });
    run(params, opt, grads);
    const ref = referenceAdam(init, grads, { lrs: five(0.01), beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true, amsgrad: false });
    params.forEach((p, k) => expectClose(p.data, ref.theta[k]!, 1e-12));
  });

  it('matches the reference update over 5 steps with amsgrad and a changing lr (float64)', () => {
    const lrs = [0.01, 0.03, 0.02, 0.005, 0.01];
    const params = makeParams(init, 'float64');
    const opt = new AdamW(params, { betas: [0.9, 0.99], amsgrad: true });
    run(params, opt, grads, lrs);
    const ref = referenceAdam(init, grads, { lrs, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01, decoupled: true, amsgrad: true });
    params.forEach((p, k) => expectClose(p.data, ref.theta[k]!, 1e-12));
  });

  it('float32 runs stay within 1e-6 of the float64 reference', () => {
    const params = makeParams(init, 'float32');
    const opt = new AdamW(params, { lr: 0.01, weightDecay: 0.1 });
    run(params, opt, grads);
    const ref = referenceAdam(init, grads, { lrs: five(0.01), beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true, amsgrad: false });
    params.forEach((p, k) => {
      expect(opt.state.get(p)!.exp_avg).toBeInstanceOf(Float32Array);
      expectClose(p.data, ref.theta[k]!, 1e-6);
    });
  });

  it('defaults to weightDecay 1e-2, decays decoupled from the gradient, and is an Adam', () => {
    const p = tensor([2], { dtype: 'float64', requiresGrad: true });
    const opt = new AdamW([p], { lr: 0.1 });
    expect(opt).toBeInstanceOf(Adam);
    expect(opt.paramGroups[0]!.weightDecay).toBe(0.01);
    // A zero gradient leaves m = v = 0, so only the decay moves the parameter: 2·(1 − 0.1·0.01).
    p.grad = tensor([0], { dtype: 'float64' });
    opt.step();
    expect(p.data[0]).toBe(2 * (1 - 0.1 * 0.01));
    // Adam's L2 decay goes through the moments instead: the first step moves by about lr.
    const q = tensor([2], { dtype: 'float64', requiresGrad: true });
    const adam = new Adam([q], { lr: 0.1, weightDecay: 0.01 });
    q.grad = tensor([0], { dtype: 'float64' });
    adam.step();
    expect(q.data[0]).toBeCloseTo(1.9, 6);
    expect(() => new AdamW([p], { weightDecay: -1 })).toThrow(/AdamW: invalid weightDecay -1/);
  });
});
