// The step-S/M model in js-pytorch: its tensors, autograd, CrossEntropyLoss and optim.Adam; attention written
// as its own MultiHeadSelfAttention does (tril mask, masked_fill) but with the 1/√Dh scale and pre-LN blocks.
import { jsAttention } from '../benchmarks/attention';
import { nest } from '../benchmarks/common';
import { jsLayerNorm } from '../benchmarks/layernorm';
import type { JsTensor, JsTorch } from '../peers/js-pytorch';
import { paramSpecs, rows, tokensPerStep } from './config';
import type { Batch, StepConfig, Stepper } from './config';

/** tanh-GELU through exp (js-pytorch has no tanh): 0.5·x·(1 + tanh(z)) = x·σ(2z) = x / (1 + e^(−2z)). */
function gelu(x: JsTensor): JsTensor {
  const z = x.add(x.pow(3).mul(0.044715)).mul(-2 * Math.sqrt(2 / Math.PI));
  const one = z.exp().add(1);
  return x.div(one);
}

export function jsPytorchLM(torch: JsTorch, c: StepConfig, batch: Batch): Stepper {
  const { batch: B, seq: T, dModel: d, nHead: H } = c;
  const dh = d / H;
  const params = new Map<string, JsTensor>();
  for (const s of paramSpecs(c)) params.set(s.name, torch.tensor(nest(s.init, s.shape), true));
  const p = (name: string): JsTensor => {
    const t = params.get(name);
    if (!t) throw new Error(`js-pytorch LM: no parameter ${name}`);
    return t;
  };
  const x = torch.tensor(rows(batch.x, c), false);
  const y = torch.tensor(rows(batch.y, c), false);
  const tril = torch.tril([T, T], false);
  const ce = new torch.nn.CrossEntropyLoss();
  const dense = (a: JsTensor, w: string, b: string): JsTensor => a.matmul(p(w)).add(p(b));
  const heads = (a: JsTensor): JsTensor => a.reshape([B, T, H, dh]).transpose(1, 2);

  const forward = (): JsTensor => {
    let h = p('tok').at(x).reshape([B, T, d]).add(p('pos')); // as its nn.Embedding: E.at(idx)
    for (let l = 0; l < c.layers; l++) {
      const pre = `layers.${l}.`;
      const a = jsLayerNorm(torch, h, p(`${pre}ln1.g`), p(`${pre}ln1.b`));
      const att = jsAttention(torch, heads(dense(a, `${pre}attn.wq`, `${pre}attn.bq`)), heads(dense(a, `${pre}attn.wk`, `${pre}attn.bk`)), heads(dense(a, `${pre}attn.wv`, `${pre}attn.bv`)), tril);
      h = h.add(dense(att.transpose(1, 2).reshape([B, T, d]), `${pre}attn.wo`, `${pre}attn.bo`));
      const f = jsLayerNorm(torch, h, p(`${pre}ln2.g`), p(`${pre}ln2.b`));
      h = h.add(dense(gelu(dense(f, `${pre}ffn.w1`, `${pre}ffn.b1`)), `${pre}ffn.w2`, `${pre}ffn.b2`));
    }
    return dense(jsLayerNorm(torch, h, p('lnf.g'), p('lnf.b')), 'head.w', 'head.b');
  };

  const list = [...params.values()];
  const opt = new torch.optim.Adam(list, c.lr, 0, [0.9, 0.999], 1e-8);
  return {
    parameters: paramSpecs(c).reduce((n, s) => n + s.init.length, 0),
    note: `float64 nested arrays, E.at(x) embedding, tanh-GELU via exp, its CrossEntropyLoss and optim.Adam; ${tokensPerStep(c)} tokens/step`,
    step() {
      const loss = ce.forward(forward(), y);
      opt.zero_grad();
      loss.backward();
      opt.step();
      const v = loss.data as unknown;
      return Number(Array.isArray(v) ? (v.flat(Infinity)[0] as number) : v);
    },
    dispose() {
      params.clear();
    },
  };
}
