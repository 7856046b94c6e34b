import { describe, expect, it } from 'vitest';
import {
  AnomalyError,
  GradcheckError,
  add,
  defineOp,
  detectAnomaly,
  div,
  exp,
  grad,
  gradcheck,
  log,
  matmul,
  mul,
  noGrad,
  enableGrad,
  isGradEnabled,
  sqrt,
  sum,
  tanh,
  tensor,
  toDot,
  zeroGrad,
} from '../index';
import type { Tensor } from '../index';

const f64 = (v: number[], requiresGrad = true): Tensor => tensor(v, { dtype: 'float64', requiresGrad });

describe('backward', () => {
  it('computes d/dx of x·y + exp(x) and accumulates on leaves until zeroGrad', () => {
    const x = f64([1, 2]);
    const y = f64([3, -1]);
    sum(add(mul(x, y), exp(x))).backward();
    expect(Array.from(x.grad!.data)).toEqual([3 + Math.exp(1), -1 + Math.exp(2)]);
    expect(Array.from(y.grad!.data)).toEqual([1, 2]);
    sum(mul(x, y)).backward();
    expect(Array.from(y.grad!.data)).toEqual([2, 4]);
    zeroGrad([x, y]);
    expect(x.grad).toBeNull();
  });

  it('accepts an explicit gradient for a non-scalar output', () => {
    const x = f64([1, 2, 3]);
    mul(x, x).backward(f64([1, 0, 2], false));
    expect(Array.from(x.grad!.data)).toEqual([2, 0, 12]);
  });

  it('rejects a non-scalar output without a gradient, naming its shape', () => {
    const x = f64([1, 2]);
    expect(() => mul(x, 2).backward()).toThrow(/backward: .*scalar.*\[2\]/);
  });

  it('rejects a second backward through a freed graph, and allows it with retainGraph', () => {
    const x = f64([1, 2]);
    const y = sum(mul(x, x));
    y.backward();
    expect(() => y.backward()).toThrow(/backward through the graph a second time.*retainGraph/);
    const z = sum(mul(x, x));
    z.backward(undefined, { retainGraph: true });
    z.backward();
    expect(Array.from(x.grad!.data)).toEqual([2 + 4, 4 + 8]);
  });

  it('runs a 100,000-op chain without overflowing the stack', () => {
    const x = f64([0.5]);
    let y: Tensor = x;
    for (let i = 0; i < 100_000; i++) y = mul(y, 1.0000001);
    y.backward();
    expect(x.grad!.item()).toBeCloseTo(Math.pow(1.0000001, 100_000), 10);
  });

  it('keeps a non-leaf gradient with retainGrad', () => {
    const x = f64([1, 2]);
    const h = mul(x, 3).retainGrad();
    sum(mul(h, h)).backward();
    expect(Array.from(h.grad!.data)).toEqual([6, 12]);
  });

  it('a leaf used twice gets the sum of both paths', () => {
    const x = f64([2]);
    sum(add(mul(x, x), mul(x, 5))).backward();
    expect(x.grad!.item()).toBe(9);
  });
});

describe('grad', () => {
  it('returns gradients without touching .grad', () => {
    const x = f64([1, 2]);
    const [g] = grad(sum(mul(x, x)), x);
    expect(Array.from(g!.data)).toEqual([2, 4]);
    expect(x.grad).toBeNull();
  });

  it('with createGraph gives differentiable gradients: Hessian-vector product of Σ x³', () => {
    const x = f64([1, -2, 3]);
    const [g] = grad(sum(mul(mul(x, x), x)), x, { createGraph: true });
    expect(g!.requiresGrad).toBe(true);
    const v = f64([1, 0.5, -1], false);
    const [hv] = grad(sum(mul(g!, v)), x);
    // H = diag(6x) so Hv = 6·x·v
    expect(Array.from(hv!.data)).toEqual([6, -6, -18]);
  });

  it('third derivative of tanh matches the closed form', () => {
    const x = f64([0.3]);
    const [d1] = grad(tanh(x), x, { createGraph: true });
    const [d2] = grad(d1!, x, { createGraph: true });
    const [d3] = grad(d2!, x);
    const t = Math.tanh(0.3);
    // d³ tanh = −2(1−t²)(1−3t²)
    expect(d3!.item()).toBeCloseTo(-2 * (1 - t * t) * (1 - 3 * t * t), 12);
  });

  it('reports an input that was not used, unless allowUnused', () => {
    const x = f64([1]);
    const y = f64([2]);
    expect(() => grad(mul(x, 2), [x, y], { retainGraph: true })).toThrow(/grad: input 1 \[1\] was not used/);
    const [, gy] = grad(mul(x, 2), [x, y], { allowUnused: true });
    expect(gy!.item()).toBe(0);
  });

  it('rejects inputs that do not require grad', () => {
    const x = f64([1], false);
    expect(() => grad(mul(x, 2), x)).toThrow(/grad: input 0 \[1\] does not require grad/);
  });
});

describe('noGrad and detach', () => {
  it('noGrad records nothing and restores the mode', () => {
    const x = f64([1]);
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      expect(enableGrad(() => mul(x, 2)).requiresGrad).toBe(true);
      return mul(x, 2);
    });
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(isGradEnabled()).toBe(true);
  });

  it('detach shares storage and cuts the graph', () => {
    const x = f64([1, 2]);
    const d = mul(x, 2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(Array.from(d.data)).toEqual([2, 4]);
  });
});

describe('detectAnomaly', () => {
  it('names the op whose forward produced NaN, with shapes', () => {
    const x = f64([-1, 1]);
    let err: unknown;
    try {
      detectAnomaly(() => sqrt(x));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AnomalyError);
    expect((err as AnomalyError).op).toBe('sqrt');
    expect((err as Error).message).toMatch(/forward of 'sqrt' produced 1 NaN\/Inf .*\[2\]/);
  });

  it('names the op whose backward produced Inf', () => {
    // sqrt at 0 is finite forward (0) but its gradient 1/(2·0) is Inf.
    const x = f64([0, 4]);
    let err: unknown;
    try {
      detectAnomaly(() => sum(sqrt(x)).backward());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AnomalyError);
    expect(err).toMatchObject({ op: 'sqrt', phase: 'backward' });
    expect((err as Error).message).toMatch(/backward of 'sqrt' .*produced 1 NaN\/Inf .*\[2\]/);
  });

  it('is silent on finite graphs', () => {
    const x = f64([1, 2]);
    detectAnomaly(() => sum(log(exp(x))).backward());
    expect(Array.from(x.grad!.data)).toEqual([1, 1]);
  });
});

describe('defineOp and gradcheck', () => {
  const square = defineOp('square2', {
    forward: ([x]) => mul(x!, x!),
    backward: (g, [x]) => [mul(g, mul(x!, 2))],
  });
  const wrongSquare = defineOp('wrongSquare', {
    forward: ([x]) => mul(x!, x!),
    backward: (g, [x]) => [mul(g, mul(x!, 3))],
  });

  it('accepts a correct custom op', () => {
    expect(gradcheck((a) => sum(square(a!)), [f64([0.3, -1.2])])).toBe(true);
  });

  it('reports input, element, analytic vs numeric, and names the op with the wrong VJP', () => {
    const x = f64([0.3, -0.7, 1.2]);
    let err: unknown;
    try {
      gradcheck((a) => sum(exp(wrongSquare(div(a!, 2)))), [x]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GradcheckError);
    const f = (err as GradcheckError).failure;
    expect(f).toMatchObject({ input: 0, element: 0, op: 'wrongSquare' });
    expect(f.analytic / f.numeric).toBeCloseTo(1.5, 5);
    expect((err as Error).message).toMatch(/analytic .* vs numeric .*VJP of op 'wrongSquare' \(inputs \[3\]\)/);
  });

  it('insists on float64 inputs', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => gradcheck((a) => sum(a!), [x])).toThrow(/gradcheck: input 0 \[2\] is float32; gradcheck requires float64/);
  });
});

describe('toDot', () => {
  it('draws ops, shapes and which tensors require grad', () => {
    const w = f64([1, 2, 3, 4]).detach();
    const W = tensor(w.data, { shape: [2, 2], requiresGrad: true, dtype: 'float64' });
    W.name = 'W';
    const x = tensor([[1], [2]], { dtype: 'float64' });
    const dot = toDot(sum(tanh(matmul(W, x))));
    expect(dot).toMatch(/^digraph G \{/);
    expect(dot).toContain('label="matmul"');
    expect(dot).toContain('label="tanh"');
    expect(dot).toContain('label="sum"');
    expect(dot).toContain('W\\n[2,2] float64\\nrequiresGrad');
    expect(dot).toContain('[2,1] float64"');
  });
});
