// The README's 15-line tour, kept here verbatim (import path aside) so a test proves it runs.
import { tensor, randn, Generator, matmul, add, tanh, sum, mean, grad, gradcheck, noGrad, toDot } from '../index';

const gen = new Generator(42);                                   // seeded: same numbers on every platform
const W = randn([3, 4], { generator: gen, requiresGrad: true }); // float32 unless told otherwise
const x = tensor([[1, 2, 3]]);                                   // shape [1, 3]
const y = sum(tanh(matmul(x, W)));                               // any graph of ops, NumPy broadcasting
y.backward();                                                    // W.grad holds dy/dW (accumulates)
const [g] = grad(mean(tanh(W)), W, { createGraph: true });       // a differentiable gradient…
const [hvp] = grad(sum(g!), W);                                  // …so Hessian-vector products work
const W64 = tensor(W.data, { dtype: 'float64', shape: W.shape, requiresGrad: true });
gradcheck((w) => sum(tanh(add(w!, 1))), [W64]);                  // analytic vs central differences
const z = noGrad(() => matmul(x, W));                            // nothing recorded: z.requiresGrad === false
export const tour = { dot: toDot(y), hvpShape: hvp!.shape, zRequiresGrad: z.requiresGrad, grad: W.grad };
