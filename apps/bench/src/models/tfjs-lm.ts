// The step-S/M model in TensorFlow.js (tfjs-core ops only, no tf.layers), trained with tf.train.adam.
import type { Tf, TfScalar, TfTensor, TfVariable } from '../peers/tfjs';
import { paramSpecs, tokensPerStep } from './config';
import type { Batch, StepConfig, Stepper } from './config';

type T = TfTensor;
type V = TfVariable;

export interface TfjsLmOptions {
  /** 'gather': tf.gather (cpu); 'onehot': oneHot(x)·E, because tfjs-wasm lacks the kernel behind gather's gradient. */
  embedding: 'gather' | 'onehot';
}

const GELU_C = Math.sqrt(2 / Math.PI);

export function tfjsLM(tf: Tf, c: StepConfig, batch: Batch, options: TfjsLmOptions): Stepper {
  const { batch: B, seq: T_, dModel: d, nHead: H, vocab: V_ } = c;
  const dh = d / H;
  const vars = new Map<string, V>();
  for (const s of paramSpecs(c)) vars.set(s.name, tf.variable(tf.tensor(s.init, s.shape), true, s.name));
  const p = (name: string): V => {
    const v = vars.get(name);
    if (!v) throw new Error(`tfjs LM: no parameter ${name}`);
    return v;
  };
  const xFlat = tf.tensor1d(batch.x, 'int32');
  const yOneHot = tf.oneHot(tf.tensor1d(batch.y, 'int32'), V_);
  const bias = (() => {
    const m = new Float32Array(T_ * T_);
    for (let i = 0; i < T_; i++) for (let j = i + 1; j < T_; j++) m[i * T_ + j] = -1e9;
    return tf.tensor2d(m, [T_, T_]);
  })();
  const scale = 1 / Math.sqrt(dh);

  const layerNorm = (x: T, prefix: string): T => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), p(`${prefix}.g`)), p(`${prefix}.b`));
  };
  const dense = (x2d: T, w: string, b: string): T => tf.add(tf.matMul(x2d, p(w)), p(b));
  const gelu = (x: T): T => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), GELU_C))));
  const heads = (x2d: T): T => tf.transpose(tf.reshape(x2d, [B, T_, H, dh]), [0, 2, 1, 3]);

  const loss = (): TfScalar => {
    let h: T = options.embedding === 'gather' ? tf.gather(p('tok'), xFlat) : tf.matMul(tf.cast(tf.oneHot(xFlat, V_), 'float32'), p('tok'));
    h = tf.add(tf.reshape(h, [B, T_, d]), p('pos'));
    for (let l = 0; l < c.layers; l++) {
      const pre = `layers.${l}.`;
      const a = tf.reshape(layerNorm(h, `${pre}ln1`), [B * T_, d]);
      const q = heads(dense(a, `${pre}attn.wq`, `${pre}attn.bq`));
      const k = heads(dense(a, `${pre}attn.wk`, `${pre}attn.bk`));
      const v = heads(dense(a, `${pre}attn.wv`, `${pre}attn.bv`));
      const probs = tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), scale), bias), -1);
      const ctx = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [B * T_, d]);
      h = tf.add(h, tf.reshape(dense(ctx, `${pre}attn.wo`, `${pre}attn.bo`), [B, T_, d]));
      const f = tf.reshape(layerNorm(h, `${pre}ln2`), [B * T_, d]);
      const ffn = dense(gelu(dense(f, `${pre}ffn.w1`, `${pre}ffn.b1`)), `${pre}ffn.w2`, `${pre}ffn.b2`);
      h = tf.add(h, tf.reshape(ffn, [B, T_, d]));
    }
    const logits = dense(tf.reshape(layerNorm(h, 'lnf'), [B * T_, d]), 'head.w', 'head.b');
    return tf.neg(tf.mean(tf.sum(tf.mul(yOneHot, tf.logSoftmax(logits, -1)), -1))) as TfScalar;
  };

  const opt = tf.train.adam(c.lr, 0.9, 0.999, 1e-8);
  const varList = [...vars.values()];
  return {
    parameters: varList.reduce((n, v) => n + v.size, 0),
    note: `${options.embedding === 'gather' ? 'tf.gather' : 'oneHot(x)·E'} embedding, tanh-GELU, tf.train.adam; ${tokensPerStep(c)} tokens/step`,
    step() {
      const cost = opt.minimize(loss, true, varList); // variableGrads tidies the forward pass; the cost is ours
      if (!cost) throw new Error('tfjs LM: minimize returned no cost');
      const value = cost.dataSync()[0]!;
      cost.dispose();
      return value;
    },
    dispose() {
      opt.dispose();
      tf.dispose([...varList, xFlat, yOneHot, bias]);
    },
  };
}
