import { describe, expect, it } from 'vitest';
import { Generator, add, loadSafetensors, saveSafetensors, tensor } from '@lnlab/core';
import type { FloatDType, Tensor } from '@lnlab/core';
import { Adam, AdamW } from './adam';
import type { AdamHyper } from './adam';
import { SGD } from './sgd';
import { optimizerStateFromTensors, optimizerStateToTensors } from './optimizer';
import type { Optimizer, OptimizerStateDict } from './optimizer';

const SHAPES = [[2, 3], [4], [1], [4, 4]];

function params(dtype: FloatDType, seed = 5): Tensor[] {
  const gen = new Generator(seed);
  return SHAPES.map((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return tensor(
      Array.from({ length: n }, () => gen.normal()),
      { dtype, shape, requiresGrad: true },
    );
  });
}

function cloneParams(ps: Tensor[]): Tensor[] {
  return ps.map((p) => tensor(p.data, { shape: p.shape, requiresGrad: true }));
}

/** Deterministic gradients for step t. */
function setGrads(ps: Tensor[], t: number): void {
  ps.forEach((p, k) => {
    p.grad = tensor(
      Array.from({ length: p.size }, (_, i) => Math.sin(1 + t * 7 + k * 3 + i) * (t % 2 ? 0.3 : 1)),
      { dtype: p.dtype, shape: p.shape },
    );
  });
}

function steps(opt: Optimizer<{ lr: number }>, ps: Tensor[], from: number, to: number): void {
  for (let t = from; t < to; t++) {
    setGrads(ps, t);
    opt.step();
  }
}

function roundTripThroughSafetensors(sd: OptimizerStateDict): OptimizerStateDict {
  const { tensors, metadata } = optimizerStateToTensors(sd);
  const file = loadSafetensors(saveSafetensors(tensors, metadata));
  return optimizerStateFromTensors(file.tensors, file.metadata);
}

type Make = (ps: Tensor[]) => Optimizer<{ lr: number }>;
const makers: [string, Make, FloatDType][] = [
  ['Adam amsgrad, two groups (float64)', (ps) => new Adam([{ params: ps.slice(0, 2) }, { params: ps.slice(2), lr: 0.03, amsgrad: false }], { lr: 0.01, amsgrad: true, weightDecay: 0.01 }), 'float64'],
  ['AdamW (float32)', (ps) => new AdamW(ps, { lr: 0.01 }), 'float32'],
  ['SGD nesterov (float64)', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true }), 'float64'],
];

describe('Optimizer.stateDict', () => {
  for (const [name, make, dtype] of makers) {
    it(`round-trips through optimizerStateToTensors / safetensors / optimizerStateFromTensors: ${name}`, () => {
      const a = params(dtype);
      const optA = make(a);
      steps(optA, a, 0, 3);
      const sd = roundTripThroughSafetensors(optA.stateDict());
      const b = cloneParams(a);
      const optB = make(b);
      optB.paramGroups[0]!.lr = 123; // overwritten by the loaded hyperparameters
      optB.loadStateDict(sd);
      expect(optB.stateDict().paramGroups).toEqual(optA.stateDict().paramGroups);
      steps(optA, a, 3, 6);
      steps(optB, b, 3, 6);
      a.forEach((p, k) => {
        expect(b[k]!.data).toBeInstanceOf(p.data.constructor);
        expect(Array.from(b[k]!.data)).toEqual(Array.from(p.data));
      });
    });
  }

  it('uses PyTorch keys and parameter indices, with JSON-able groups and copied buffers', () => {
    const ps = params('float64');
    const opt = new Adam([{ params: [ps[0]!, ps[1]!] }, { params: [ps[2]!, ps[3]!], lr: 0.1 }], { amsgrad: true });
    setGrads(ps, 0);
    ps[2]!.grad = null;
    opt.step();
    const sd = opt.stateDict();
    expect(sd.paramGroups.map((g) => g.params)).toEqual([[0, 1], [2, 3]]);
    expect(JSON.parse(JSON.stringify(sd.paramGroups))).toEqual([
      { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false, params: [0, 1] },
      { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false, params: [2, 3] },
    ]);
    expect(Object.keys(sd.state)).toEqual(['0', '1', '3']);
    expect(Object.keys(sd.state[3]!).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step']);
    const before = Array.from(sd.state[0]!.exp_avg as Float64Array);
    opt.step();
    expect(Array.from(sd.state[0]!.exp_avg as Float64Array)).toEqual(before);
    sd.paramGroups[0]!.betas[0] = 0.5;
    expect(opt.paramGroups[0]!.betas[0]).toBe(0.9);

    const { tensors, metadata } = optimizerStateToTensors(sd, { prefix: 'optim.' });
    expect([...tensors.keys()].sort()).toContain('optim.state.3.exp_avg');
    expect(tensors.get('optim.state.3.max_exp_avg_sq')!.dtype).toBe('float64');
    expect(JSON.parse(metadata['optim.optimizer']!).scalars).toEqual({ 0: { step: 1 }, 1: { step: 1 }, 3: { step: 1 } });
    // Other tensors (model weights) may share the file.
    tensors.set('param.w', tensor([1, 2]));
    const back = optimizerStateFromTensors(tensors, metadata, { prefix: 'optim.' });
    expect(back.state[3]!.step).toBe(1);
    expect(Array.from(back.state[3]!.exp_avg as Float64Array)).toEqual(Array.from(sd.state[3]!.exp_avg as Float64Array));
  });

  it('loadStateDict casts buffers to the parameter dtype', () => {
    const a = params('float64');
    const optA = new Adam(a);
    steps(optA, a, 0, 2);
    const b = params('float32');
    const optB = new Adam(b);
    optB.loadStateDict(optA.stateDict());
    const st = optB.state.get(b[3]!)!;
    expect(st.exp_avg).toBeInstanceOf(Float32Array);
    expect(st.step).toBe(2);
    expect((st.exp_avg as Float32Array)[0]).toBe(Math.fround((optA.state.get(a[3]!)!.exp_avg as Float64Array)[0]!));
  });
});

describe('Optimizer.loadStateDict', () => {
  function trained(): { opt: Adam; sd: OptimizerStateDict<AdamHyper> } {
    const ps = params('float64');
    const opt = new Adam(ps, { lr: 0.01 });
    steps(opt, ps, 0, 2);
    return { opt, sd: opt.stateDict() };
  }

  it('names the key whose buffer has the wrong size', () => {
    const { opt, sd } = trained();
    sd.state[3]!.exp_avg = new Float64Array(12);
    expect(() => opt.loadStateDict(sd)).toThrow('Adam.loadStateDict: state 3.exp_avg has 12 values but parameter 3 has shape [4,4]');
  });

  it('rejects mismatched groups', () => {
    const { opt, sd } = trained();
    expect(() => opt.loadStateDict({ ...sd, paramGroups: [...sd.paramGroups, sd.paramGroups[0]!] })).toThrow(
      'Adam.loadStateDict: the state dict has 2 parameter groups but the optimizer has 1',
    );
    const g = sd.paramGroups[0]!;
    expect(() => opt.loadStateDict({ ...sd, paramGroups: [{ ...g, params: [0, 1, 2] }] })).toThrow(
      "Adam.loadStateDict: paramGroups.0 has 3 parameters but the optimizer's group 0 has 4",
    );
    expect(() => opt.loadStateDict({ ...sd, paramGroups: [{ ...g, params: [0, 1, 1, 3] }] })).toThrow(/parameter index 1 appears more than once/);
    expect(() => opt.loadStateDict({ ...sd, paramGroups: [{ ...g, betas: [0.9, 1] }] })).toThrow(/Adam.loadStateDict: paramGroups.0: invalid betas\[1\] 1/);
    expect(() => opt.loadStateDict({ ...sd, paramGroups: [{ ...g, eps: '1e-8' as unknown as number }] })).toThrow(/paramGroups.0.eps is '1e-8', not a value like 1e-8/);
    const { weightDecay: _wd, ...missing } = g;
    expect(() => opt.loadStateDict({ ...sd, paramGroups: [missing as typeof g] })).toThrow("Adam.loadStateDict: paramGroups.0 is missing 'weightDecay'");
    expect(() => opt.loadStateDict({ ...sd, paramGroups: [{ ...g, momentum: 0.9 } as typeof g] })).toThrow(/paramGroups.0: unknown option 'momentum'/);
  });

  it('rejects missing, unknown and malformed state entries', () => {
    const { opt, sd } = trained();
    const { exp_avg_sq: _v, ...noV } = sd.state[1]!;
    expect(() => opt.loadStateDict({ ...sd, state: { ...sd.state, 1: noV } })).toThrow('Adam.loadStateDict: state 1 is missing exp_avg_sq');
    expect(() => opt.loadStateDict({ ...sd, state: { ...sd.state, 1: { ...sd.state[1]!, max_exp_avg_sq: new Float64Array(4) } } })).toThrow(
      /state 1.max_exp_avg_sq is not a state key of this optimizer's group \(expected exp_avg, exp_avg_sq, step\)/,
    );
    expect(() => opt.loadStateDict({ ...sd, state: { ...sd.state, 1: { ...sd.state[1]!, step: 1.5 } } })).toThrow(/invalid state 1.step 1.5 \(must be an integer ≥ 0\)/);
    expect(() => opt.loadStateDict({ ...sd, state: { ...sd.state, 1: { ...sd.state[1]!, exp_avg: 3 } } })).toThrow(/state 1.exp_avg must be a Float32Array or Float64Array/);
    expect(() => opt.loadStateDict({ ...sd, state: { ...sd.state, 9: sd.state[1]! } })).toThrow('Adam.loadStateDict: state 9 refers to no parameter of paramGroups');
    expect(() => opt.loadStateDict({} as OptimizerStateDict)).toThrow(/expected an object \{state, paramGroups\}/);
  });

  it('changes nothing when it throws', () => {
    const { opt, sd } = trained();
    const before = opt.stateDict();
    const bad = roundTripThroughSafetensors(sd);
    bad.paramGroups[0]!.lr = 0.5;
    bad.state[2] = { ...bad.state[2]!, exp_avg: new Float64Array(3) };
    expect(() => opt.loadStateDict(bad)).toThrow(/state 2.exp_avg has 3 values but parameter 2 has shape \[1\]/);
    expect(opt.stateDict()).toEqual(before);
  });

  it('SGD without momentum has no state to load, with momentum requires momentum_buffer', () => {
    const ps = params('float64');
    const plain = new SGD(ps, { lr: 0.1 });
    const heavy = new SGD(cloneParams(ps), { lr: 0.1, momentum: 0.9 });
    steps(heavy, heavy.paramGroups[0]!.params, 0, 1);
    expect(() => plain.loadStateDict(heavy.stateDict())).not.toThrow();
    expect(plain.paramGroups[0]!.momentum).toBe(0.9); // hyperparameters come with the state, as in PyTorch
    const fresh = new SGD(ps, { lr: 0.1 });
    const sd = heavy.stateDict();
    sd.paramGroups[0]!.momentum = 0;
    expect(() => fresh.loadStateDict(sd)).toThrow(/state 0.momentum_buffer is not a state key of this optimizer's group \(expected no state\)/);
  });
});

describe('optimizerStateFromTensors', () => {
  it('rejects missing or foreign metadata and badly named tensors', () => {
    const ps = params('float64');
    const opt = new SGD(ps, { lr: 0.1, momentum: 0.5 });
    steps(opt, ps, 0, 1);
    const { tensors, metadata } = optimizerStateToTensors(opt.stateDict());
    expect(() => optimizerStateFromTensors(tensors, {})).toThrow("optimizerStateFromTensors: metadata has no 'optimizer' entry");
    expect(() => optimizerStateFromTensors(tensors, { optimizer: '{' })).toThrow(/metadata 'optimizer' is not valid JSON/);
    expect(() => optimizerStateFromTensors(tensors, { optimizer: '{"format":"other"}' })).toThrow(/is not an optimizer state of format lnlab.optimizer\/1/);
    const badName = new Map(tensors).set('state.x.momentum_buffer', tensor([1]));
    expect(() => optimizerStateFromTensors(badName, metadata)).toThrow("optimizerStateFromTensors: tensor 'state.x.momentum_buffer' is not named state.<index>.<name>");
    const intBuf = new Map(tensors).set('state.0.momentum_buffer', tensor([1], { dtype: 'int32' }));
    expect(() => optimizerStateFromTensors(intBuf, metadata)).toThrow(/tensor 'state.0.momentum_buffer' is int32/);
  });
});

describe('Optimizer', () => {
  it('accepts parameter lists, iterables and groups with overrides; validates them', () => {
    const ps = params('float32');
    function* each(): IterableIterator<Tensor> {
      yield* ps;
    }
    expect(new SGD(each(), { lr: 0.1 }).paramGroups[0]!.params).toEqual(ps);
    const opt = new Adam([{ params: ps.slice(0, 2), lr: 0.1 }, { params: ps[2]! }], { lr: 0.01 });
    expect(opt.paramGroups.map((g) => [g.lr, g.params.length])).toEqual([[0.1, 2], [0.01, 1]]);
    opt.addParamGroup({ params: [ps[3]!], betas: [0.5, 0.6] });
    expect(opt.paramGroups[2]!.betas).toEqual([0.5, 0.6]);
    expect(opt.paramGroups[0]!.betas).not.toBe(opt.paramGroups[1]!.betas);

    expect(() => new Adam([])).toThrow('Adam: got an empty parameter list');
    expect(() => opt.addParamGroup({ params: [ps[0]!] })).toThrow(/Adam: parameter group 3: params\[0\] \[2,3\] appears more than once/);
    expect(() => new Adam([ps[0]!, ps[0]!])).toThrow(/params\[1\] \[2,3\] appears more than once/);
    expect(() => new Adam([add(ps[0]!, 1)])).toThrow(/params\[0\] \[2,3\] is not a leaf tensor/);
    expect(() => new Adam([tensor([1], { dtype: 'int32' })])).toThrow(/params\[0\] \[1\] is int32/);
    expect(() => new Adam([ps[0]!, { params: [ps[1]!] }] as unknown as Tensor[])).toThrow(/Adam: params must be all tensors or all parameter groups/);
    expect(() => new Adam([{ params: [ps[0]!], lr: -1 }])).toThrow('Adam: parameter group 0: invalid lr -1 (must be a finite number ≥ 0)');
  });
});
