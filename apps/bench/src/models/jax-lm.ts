// The step-S/M model in jax-js: a pure loss(params, x, y), jit(valueAndGrad(loss)), and a hand-written Adam
// (PyTorch's update rule) as one jitted function over the parameter list.
// jax-js counts references: every function consumes its array arguments, so an array used twice is passed
// as `a.ref` the first time (see its README).
import { jaxCausalAttention } from '../peers/jax';
import type { Jax } from '../peers/jax';
import { paramSpecs, tokensPerStep } from './config';
import type { Batch, StepConfig, Stepper } from './config';

export async function jaxLM(jax: Jax, c: StepConfig, batch: Batch): Promise<Stepper> {
  const { blockUntilReady, jit, nn, numpy: np, tree, valueAndGrad } = jax;
  type A = InstanceType<typeof np.Array>;
  const { batch: B, seq: T, dModel: d, nHead: H, vocab: V } = c;
  const dh = d / H;
  const specs = paramSpecs(c);
  const index = new Map(specs.map((s, i) => [s.name, i]));
  const at = (ps: A[], name: string): A => {
    const i = index.get(name);
    if (i === undefined) throw new Error(`jax-js LM: no parameter ${name}`);
    return ps[i]!;
  };

  const layerNorm = (x: A, g: A, b: A): A => nn.standardize(x, -1, { epsilon: 1e-5 }).mul(g).add(b);
  const dense = (x: A, w: A, b: A): A => np.matmul(x, w).add(b);

  // Every parameter is used exactly once in the forward pass, so each is consumed once; activations used twice
  // (the residual stream) are passed as h.ref.
  const loss = (ps: A[], x: A, y: A): A => {
    let h = np.take(at(ps, 'tok'), x, 0).add(at(ps, 'pos')); // [B, T, d]
    for (let l = 0; l < c.layers; l++) {
      const p = (n: string): A => at(ps, `layers.${l}.${n}`);
      const a = layerNorm(h.ref, p('ln1.g'), p('ln1.b'));
      const q = dense(a.ref, p('attn.wq'), p('attn.bq')).reshape([B, T, H, dh]);
      const k = dense(a.ref, p('attn.wk'), p('attn.bk')).reshape([B, T, H, dh]);
      const v = dense(a, p('attn.wv'), p('attn.bv')).reshape([B, T, H, dh]);
      const att = jaxCausalAttention(jax, q, k, v).reshape([B, T, d]);
      h = h.add(dense(att, p('attn.wo'), p('attn.bo')));
      const f = layerNorm(h.ref, p('ln2.g'), p('ln2.b'));
      h = h.add(dense(nn.gelu(dense(f, p('ffn.w1'), p('ffn.b1'))), p('ffn.w2'), p('ffn.b2')));
    }
    const logits = dense(layerNorm(h, at(ps, 'lnf.g'), at(ps, 'lnf.b')), at(ps, 'head.w'), at(ps, 'head.b'));
    return nn.logSoftmax(logits, -1).mul(nn.oneHot(y, V)).sum().mul(-1 / (B * T));
  };
  const lossAndGrad = jit(valueAndGrad(loss));

  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  // PyTorch's Adam: m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − (lr/bc1)·m / (√v/√bc2 + ε).
  const adam = jit((ps: A[], gs: A[], ms: A[], vs: A[], stepSize: A, invSqrtBc2: A) => {
    const outP: A[] = [];
    const outM: A[] = [];
    const outV: A[] = [];
    for (let i = 0; i < ps.length; i++) {
      const g = gs[i]!;
      const m = ms[i]!.mul(b1).add(g.ref.mul(1 - b1));
      const v = vs[i]!.mul(b2).add(np.square(g).mul(1 - b2));
      const denom = np.sqrt(v.ref).mul(invSqrtBc2.ref).add(eps);
      outP.push(ps[i]!.sub(m.ref.mul(stepSize.ref).div(denom)));
      outM.push(m);
      outV.push(v);
    }
    stepSize.dispose();
    invSqrtBc2.dispose();
    return [outP, outM, outV];
  });

  let params: A[] = specs.map((s) => np.array(s.init).reshape(s.shape));
  let ms: A[] = specs.map((s) => np.zeros(s.shape));
  let vs: A[] = specs.map((s) => np.zeros(s.shape));
  const x = np.array(batch.x, { dtype: np.int32 }).reshape([B, T]);
  const y = np.array(batch.y, { dtype: np.int32 }).reshape([B, T]);
  let t = 0;
  return {
    parameters: specs.reduce((n, s) => n + s.init.length, 0),
    note: `jit(valueAndGrad) + hand-written Adam (jitted), np.take embedding, matmul/softmax attention, tanh-GELU; ${tokensPerStep(c)} tokens/step`,
    async step() {
      t++;
      const [lossValue, grads] = lossAndGrad(tree.ref(params), x.ref, y.ref);
      const stepSize = np.array(c.lr / (1 - b1 ** t));
      const invSqrtBc2 = np.array(1 / Math.sqrt(1 - b2 ** t));
      const [p2, m2, v2] = adam(params, grads, ms, vs, stepSize, invSqrtBc2) as [A[], A[], A[]];
      params = p2;
      ms = m2;
      vs = v2;
      await blockUntilReady([params, ms, vs]);
      return Number(await lossValue.jsAsync());
    },
    dispose() {
      tree.dispose([params, ms, vs, x, y]);
    },
  };
}
