// A short tour of @lnlab/core: fit a two-layer MLP to sin(x) with autograd, gradcheck it, and show the graph.
import { Generator, add, gradcheck, linear, mean, mul, noGrad, randn, sub, tanh, tensor, toDot } from '../src/index';
import type { Tensor } from '../src/index';

const gen = new Generator(0);
const xs = tensor(Array.from({ length: 64 }, (_, i) => [-3 + (6 * i) / 63]));
const ys = tensor(Array.from({ length: 64 }, (_, i) => [Math.sin(-3 + (6 * i) / 63)]));
const param = (shape: number[], scale: number): Tensor => {
  const t = mul(randn(shape, { generator: gen }), scale).detach();
  t.requiresGrad = true;
  return t;
};
const w1 = param([16, 1], 1);
const b1 = param([16], 0.1);
const w2 = param([1, 16], 0.25);
const b2 = param([1], 0.1);
const params = [w1, b1, w2, b2];
const model = (x: Tensor): Tensor => linear(tanh(linear(x, w1, b1)), w2, b2);

console.log('LN Lab core demo: fit sin(x) on [-3, 3] with a 1-16-1 tanh MLP (full-batch gradient descent, lr 0.05)');
for (let step = 0; step <= 3000; step++) {
  const diff = sub(model(xs), ys);
  const loss = mean(mul(diff, diff));
  for (const p of params) p.grad = null;
  loss.backward();
  noGrad(() => {
    for (const p of params) {
      const d = p.data;
      const g = p.grad!.data;
      for (let i = 0; i < d.length; i++) d[i] = d[i]! - 0.05 * g[i]!;
    }
  });
  if (step % 500 === 0) console.log(`  step ${String(step).padStart(4)}  mse ${loss.item().toExponential(3)}`);
}

// The same model in float64 passes gradcheck (analytic vs central differences).
const to64 = (t: Tensor): Tensor => tensor(Float64Array.from(t.data), { shape: t.shape, requiresGrad: true });
const p64 = params.map(to64);
const x64 = tensor(Float64Array.from([0.3, -1.2]), { shape: [2, 1] });
const ok = gradcheck((a, b, c, d) => linear(tanh(linear(x64, a!, b)), c!, d), p64);
console.log(`gradcheck of the MLP in float64: ${ok ? 'passed' : 'failed'}`);
console.log('\nThe graph of tanh(w·x + b), as Graphviz DOT:');
console.log(toDot(tanh(add(mul(p64[0]!, 2), 1))));
