import { describe, expect, it } from 'vitest';
import type { Tensor} from '@lnlab/core';
import { Generator, mean, sum, variance, tensor, zeros } from '@lnlab/core';
import { Buffer, BatchNorm1d, Dropout, Embedding, Linear, LayerNorm, Module, MultiheadAttention, Parameter, TransformerLM, loadModule, saveModule, makeNorm, Identity, RMSNorm, DyT } from './index';

class Tiny extends Module {
  fc = new Linear(3, 2);
  norm = new LayerNorm(2);
  scale = new Parameter(tensor([2]));
  steps = new Buffer(zeros([1]));
  forward(x: Tensor): Tensor {
    return this.norm.forward(this.fc.forward(x));
  }
}

describe('Module', () => {
  it('registers parameters, buffers and children by assignment, with dotted PyTorch names', () => {
    const m = new Tiny();
    expect(m.namedParameters().map(([k]) => k)).toEqual(['scale', 'fc.weight', 'fc.bias', 'norm.weight', 'norm.bias']);
    expect([...m.stateDict().keys()]).toEqual(['scale', 'steps', 'fc.weight', 'fc.bias', 'norm.weight', 'norm.bias']);
    expect(m.namedModules().map(([k]) => k)).toEqual(['', 'fc', 'norm']);
    expect(m.numParameters()).toBe(1 + 6 + 2 + 2 + 2);
  });

  it('names the TransformerLM parameters exactly as the PyTorch fixture does', () => {
    const lm = new TransformerLM({ vocabSize: 13, maxSeqLen: 8, dModel: 16, nHead: 4, numLayers: 2, dimFeedforward: 32, normFirst: true });
    const names = lm.namedParameters().map(([k]) => k);
    expect(names).toContain('encoder.layers.1.self_attn.in_proj_weight');
    expect(names).toContain('encoder.layers.0.self_attn.out_proj.bias');
    expect(names).toContain('encoder.layers.0.linear2.weight');
    expect(names).toContain('ln_f.weight');
    expect(names.slice(0, 2)).toEqual(['tok_emb.weight', 'pos_emb.weight']);
    expect(names[names.length - 1]).toBe('lm_head.bias');
  });

  it('loadStateDict copies in place and reports missing, unexpected and mis-shaped keys by name', () => {
    const m = new Tiny();
    const w = m.fc.weight;
    const sd = new Map(m.stateDict());
    sd.set('fc.weight', tensor([[1, 2, 3], [4, 5, 6]]));
    m.loadStateDict(sd);
    expect(m.fc.weight).toBe(w);
    expect(w.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    const missing = new Map(sd);
    missing.delete('norm.bias');
    missing.set('extra', zeros([1]));
    expect(() => m.loadStateDict(missing)).toThrow(/loadStateDict\(Tiny\): missing keys: norm\.bias \| unexpected keys: extra/);
    expect(m.loadStateDict(missing, { strict: false })).toEqual({ missingKeys: ['norm.bias'], unexpectedKeys: ['extra'] });
    const bad = new Map(sd);
    bad.set('fc.weight', zeros([3, 2]));
    expect(() => m.loadStateDict(bad, { strict: false })).toThrow(/mis-shaped keys: fc\.weight: expected \[2,3\], got \[3,2\]/);
  });

  it('save / load round trip through safetensors bytes', () => {
    const a = new Tiny();
    const b = new Tiny();
    const bytes = saveModule(a, { note: 'hi' });
    const { metadata } = loadModule(b, bytes);
    expect(metadata.note).toBe('hi');
    for (const [k, t] of a.stateDict()) expect(Array.from(b.stateDict().get(k)!.data)).toEqual(Array.from(t.data));
  });

  it('forward hooks see inputs and outputs, can replace the output, and can be removed', () => {
    const m = new Tiny();
    const seen: string[] = [];
    const h = m.norm.registerForwardHook((mod, inputs, out) => {
      seen.push(`${mod.constructor.name} ${(inputs[0] as Tensor).shape} → ${(out as Tensor).shape}`);
    });
    m.forward(zeros([4, 3]));
    expect(seen).toEqual(['LayerNorm 4,2 → 4,2']);
    h.remove();
    m.forward(zeros([4, 3]));
    expect(seen.length).toBe(1);
    m.fc.registerForwardHook(() => zeros([4, 2]));
    expect(Array.from(m.forward(tensor([[1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3]])).data).every((v) => v === 0)).toBe(true);
  });

  it('train / eval reach every descendant; apply visits children first', () => {
    const m = new Tiny().eval();
    expect(m.modules().every((x) => !x.training)).toBe(true);
    m.train();
    expect(m.fc.training).toBe(true);
    const order: string[] = [];
    m.apply((x) => order.push(x.constructor.name));
    expect(order).toEqual(['Linear', 'LayerNorm', 'Tiny']);
  });

  it('to(float64) converts parameters and buffers', () => {
    const m = new Tiny().to('float64');
    expect(m.parameters().every((p) => p.dtype === 'float64')).toBe(true);
    expect(m.steps.dtype).toBe('float64');
    expect(m.dtype).toBe('float64');
  });
});

describe('initialisation follows PyTorch', () => {
  const g = new Generator(0);
  it('Linear: kaiming-uniform a=√5 weight and U(±1/√in) bias', () => {
    const l = new Linear(64, 512, { generator: g });
    const bound = 1 / Math.sqrt(64);
    expect(Math.max(...l.weight.data.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...l.weight.data.map(Math.abs))).toBeGreaterThan(bound * 0.99);
    // U(−b, b) has variance b²/3.
    expect(variance(l.weight).item()).toBeCloseTo((bound * bound) / 3, 4);
    expect(Math.max(...l.bias!.data.map(Math.abs))).toBeLessThanOrEqual(bound);
  });

  it('MultiheadAttention: xavier-uniform in_proj_weight, zero biases', () => {
    const m = new MultiheadAttention(32, 4, { generator: g });
    const bound = Math.sqrt(6 / (32 + 96));
    expect(Math.max(...m.in_proj_weight.data.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(variance(m.in_proj_weight).item()).toBeCloseTo((bound * bound) / 3, 3);
    expect(m.in_proj_bias!.data.every((v) => v === 0)).toBe(true);
    expect(m.out_proj.bias!.data.every((v) => v === 0)).toBe(true);
  });

  it('Embedding N(0,1); norms ones/zeros; DyT alpha 0.5', () => {
    const e = new Embedding(200, 50, { generator: g });
    expect(Math.abs(mean(e.weight).item())).toBeLessThan(0.03);
    expect(variance(e.weight).item()).toBeCloseTo(1, 1);
    const ln = new LayerNorm(4);
    expect(Array.from(ln.weight!.data)).toEqual([1, 1, 1, 1]);
    expect(Array.from(ln.bias!.data)).toEqual([0, 0, 0, 0]);
    expect(new DyT(4).alpha.item()).toBe(0.5);
    expect(Array.from(new RMSNorm(3).weight!.data)).toEqual([1, 1, 1]);
  });

  it('the same seed builds the same model', () => {
    const a = new TransformerLM({ vocabSize: 7, maxSeqLen: 5, dModel: 8, nHead: 2, numLayers: 1, generator: new Generator(5) });
    const b = new TransformerLM({ vocabSize: 7, maxSeqLen: 5, dModel: 8, nHead: 2, numLayers: 1, generator: new Generator(5) });
    for (const [k, t] of a.stateDict()) expect(Array.from(b.stateDict().get(k)!.data)).toEqual(Array.from(t.data));
  });
});

describe('layers', () => {
  it('Dropout is seeded, scales kept values by 1/(1−p) and is the identity in eval', () => {
    const x = tensor(new Float32Array(10000).fill(1), { shape: [100, 100] });
    const d = new Dropout(0.25, { generator: new Generator(1) });
    const y = d.forward(x);
    const kept = y.data.filter((v) => v !== 0);
    expect(Math.abs(kept.length / 10000 - 0.75)).toBeLessThan(0.02);
    expect(kept.every((v) => Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    const again = new Dropout(0.25, { generator: new Generator(1) }).forward(x);
    expect(Array.from(again.data)).toEqual(Array.from(y.data));
    expect(d.eval().forward(x)).toBe(x);
  });

  it('makeNorm builds every kind', () => {
    expect(makeNorm('layernorm', 4)).toBeInstanceOf(LayerNorm);
    expect(makeNorm('rmsnorm', 4)).toBeInstanceOf(RMSNorm);
    expect(makeNorm('dyt', 4)).toBeInstanceOf(DyT);
    expect(makeNorm('batchnorm', 4)).toBeInstanceOf(BatchNorm1d);
    expect(makeNorm('none', 4)).toBeInstanceOf(Identity);
    expect(() => makeNorm('groupnorm' as never, 4)).toThrow(/makeNorm: unknown kind "groupnorm" \(use one of layernorm, rmsnorm, dyt, batchnorm, none\)/);
  });

  it('errors name the module, the argument and the shapes', () => {
    expect(() => new Linear(3, 2).forward(zeros([4, 5]))).toThrow(/linear: input \[4,5\] does not end in in_features 3 of weight \[2,3\]/);
    expect(() => new Embedding(5, 2).forward(zeros([3]))).toThrow(/Embedding: ids must be int32, got float32 \[3\]/);
    expect(() => new Embedding(5, 2).forward(tensor([7], { dtype: 'int32' }))).toThrow(/indexSelect: index 7 at position 0 is out of range for dim 0 of size 5/);
    expect(() => new LayerNorm(4).forward(zeros([2, 3]))).toThrow(/layerNorm: input \[2,3\] does not end in normalizedShape \[4\]/);
    expect(() => new RMSNorm(4).forward(zeros([2, 3]))).toThrow(/RMSNorm: input \[2,3\] does not end in normalizedShape \[4\]/);
    expect(() => new DyT(4).forward(zeros([2, 3]))).toThrow(/DyT: input \[2,3\] does not end in dim 4/);
    expect(() => new BatchNorm1d(4).forward(zeros([2, 3]))).toThrow(/BatchNorm1d: expected \[N, 4\] or \[B, T, 4\], got \[2,3\]/);
    expect(() => new BatchNorm1d(4).forward(zeros([1, 4]))).toThrow(/BatchNorm1d: training needs more than 1 value per channel/);
    expect(() => new MultiheadAttention(10, 4)).toThrow(/MultiheadAttention: embedDim \(10\) must be divisible by numHeads \(4\)/);
    expect(() => new MultiheadAttention(8, 2).forward(zeros([2, 3, 4]))).toThrow(/MultiheadAttention: query must be \[B, T, 8\] \(batch_first\), got \[2,3,4\]/);
    expect(() => new MultiheadAttention(8, 2).forward(zeros([2, 3, 8]), null, null, { keyPaddingMask: zeros([2, 4]) })).toThrow(/keyPaddingMask must be \[2, 3\], got \[2,4\]/);
    expect(() => new Dropout(1)).toThrow(/Dropout: p must be in \[0, 1\), got 1/);
    expect(() => new LayerNorm(4, { eps: 0 })).toThrow(/LayerNorm: eps must be > 0, got 0/);
    const lm = new TransformerLM({ vocabSize: 5, maxSeqLen: 3, dModel: 4, nHead: 2, numLayers: 1 });
    expect(() => lm.forward(tensor([[1, 2, 3, 4]], { dtype: 'int32' }))).toThrow(/TransformerLM: sequence length 4 exceeds maxSeqLen 3/);
    expect(() => new TransformerLM({ vocabSize: 5, maxSeqLen: 3, dModel: 6, nHead: 4, numLayers: 1 })).toThrow(/dModel \(6\) must be divisible by nHead \(4\)/);
  });
});

describe('BatchNorm1d on tokens', () => {
  it('normalizes each channel over B·T and tracks running stats with the unbiased variance', () => {
    const gen = new Generator(2);
    const x = tensor(Array.from({ length: 2 * 5 * 3 }, () => gen.normal() * 3 + 1), { dtype: 'float64', shape: [2, 5, 3] });
    const bn = new BatchNorm1d(3, { momentum: 0.5 }).to('float64');
    const y = bn.forward(x);
    const m = mean(y, [0, 1]);
    const v = variance(y, [0, 1], { correction: 0 });
    for (let c = 0; c < 3; c++) {
      expect(Math.abs(m.data[c]!)).toBeLessThan(1e-12);
      expect(v.data[c]).toBeCloseTo(1, 4);
    }
    const uv = variance(x, [0, 1]);
    for (let c = 0; c < 3; c++) expect(bn.running_var!.data[c]).toBeCloseTo(0.5 + 0.5 * uv.data[c]!, 12);
    expect(bn.num_batches_tracked!.item()).toBe(1);
    expect(sum(y).requiresGrad).toBe(true);
  });
});
