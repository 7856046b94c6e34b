// Forward values of the ops (against hand-computed or naive results) and one test per error path.
import { describe, expect, it } from 'vitest';
import { grad } from '../autograd/engine';
import { tensor } from '../tensor';
import * as ops from './index';

const f64 = (v: Parameters<typeof tensor>[0], shape?: number[]) => tensor(v, { dtype: 'float64', ...(shape ? { shape } : {}) });
const i32 = (v: number[], shape?: number[]) => tensor(v, { dtype: 'int32', shape: shape ?? [v.length] });

describe('forward values', () => {
  it('broadcast arithmetic and dtype promotion', () => {
    const a = f64([[1, 2, 3], [4, 5, 6]]);
    expect(ops.add(a, f64([10, 20, 30])).toArray()).toEqual([[11, 22, 33], [14, 25, 36]]);
    expect(ops.sub(f64([[1], [2]]), f64([1, 2, 3])).toArray()).toEqual([[0, -1, -2], [1, 0, -1]]);
    expect(ops.div(1, f64([2, 4])).toArray()).toEqual([0.5, 0.25]);
    expect(ops.pow(f64([2, 3]), 2).toArray()).toEqual([4, 9]);
    expect(ops.add(tensor([1]), f64([0.5])).dtype).toBe('float64');
    expect(ops.mul(tensor([1.5]), 2).dtype).toBe('float32');
    expect(ops.maximum(f64([1, 5]), f64([3, 2])).toArray()).toEqual([3, 5]);
    expect(ops.minimum(f64([1, NaN]), f64([3, 2])).data[1]).toBeNaN();
  });

  it('elementwise functions', () => {
    const x = f64([-2, -0.5, 0, 0.5, 2]);
    expect(ops.relu(x).toArray()).toEqual([0, 0, 0, 0.5, 2]);
    expect(ops.abs(x).toArray()).toEqual([2, 0.5, 0, 0.5, 2]);
    expect(ops.clamp(x, -1, 1).toArray()).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(Array.from(ops.sigmoid(f64([-800, 0, 800])).data)).toEqual([0, 0.5, 1]);
    expect(ops.erf(f64([0.5])).item()).toBeCloseTo(0.5204998778130465, 15);
    expect(ops.rsqrt(f64([4])).item()).toBe(0.5);
  });

  it('reductions over any axes with keepdim', () => {
    const x = f64([[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]]);
    expect(ops.sum(x).item()).toBe(78);
    expect(ops.sum(x, [0, 2]).toArray()).toEqual([1 + 2 + 7 + 8, 3 + 4 + 9 + 10, 5 + 6 + 11 + 12]);
    expect(ops.sum(x, 1, { keepdim: true }).shape).toEqual([2, 1, 2]);
    expect(ops.mean(x, -1).toArray()).toEqual([[1.5, 3.5, 5.5], [7.5, 9.5, 11.5]]);
    expect(ops.max(x, 1).toArray()).toEqual([[5, 6], [11, 12]]);
    expect(ops.variance(f64([1, 2, 3, 4])).item()).toBeCloseTo(5 / 3, 15);
    expect(ops.variance(f64([1, 2, 3, 4]), 0, { correction: 0 }).item()).toBeCloseTo(1.25, 15);
    expect(ops.std(f64([2, 4, 4, 4, 5, 5, 7, 9]), 0, { correction: 0 }).item()).toBe(2);
    expect(ops.argmax(f64([[1, 9, 3], [7, 2, 7]]), 1).toArray()).toEqual([1, 0]);
    expect(ops.argmax(f64([[1, 9, 3], [7, 2, 7]])).item()).toBe(1);
  });

  it('variance stays accurate in float32 on a large offset (two-pass)', () => {
    const n = 512;
    const v = Array.from({ length: n }, (_, i) => 1000 + ((i % 7) - 3) * 1e-2);
    const exact = (() => {
      const m = v.reduce((p, c) => p + c, 0) / n;
      return v.reduce((p, c) => p + (c - m) ** 2, 0) / n;
    })();
    const got = ops.variance(tensor(v), 0, { correction: 0 }).item();
    expect(Math.abs(got - exact) / exact).toBeLessThan(1e-2);
  });

  it('matmul: batch broadcasting and 1-d promotion', () => {
    const a = f64([[1, 2], [3, 4]]);
    const b = f64([[5, 6], [7, 8]]);
    expect(ops.matmul(a, b).toArray()).toEqual([[19, 22], [43, 50]]);
    expect(ops.matmul(f64([1, 2]), f64([3, 4])).item()).toBe(11);
    expect(ops.matmul(a, f64([1, 1])).toArray()).toEqual([3, 7]);
    const batched = ops.matmul(ops.stack([a, b]), a);
    expect(batched.toArray()).toEqual([[[7, 10], [15, 22]], [[23, 34], [31, 46]]]);
    expect(ops.mm(a, b, true, true).toArray()).toEqual([[23, 31], [34, 46]]);
    expect(ops.linear(f64([[1, 1]]), a, f64([1, -1])).toArray()).toEqual([[4, 6]]);
  });

  it('shape ops', () => {
    const x = f64([[1, 2, 3], [4, 5, 6]]);
    expect(ops.reshape(x, [3, -1]).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(ops.transpose(x, 0, 1).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(ops.expand(f64([[1], [2]]), [2, 3]).toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(ops.unsqueeze(x, 0).shape).toEqual([1, 2, 3]);
    expect(ops.squeeze(ops.unsqueeze(x, 1)).shape).toEqual([2, 3]);
    expect(ops.slice(x, 1, 1).toArray()).toEqual([[2, 3], [5, 6]]);
    expect(ops.concat([x, x], 0).shape).toEqual([4, 3]);
    expect(ops.split(x, 2, 1).map((t) => t.shape)).toEqual([[2, 2], [2, 1]]);
    expect(ops.flatten(ops.stack([x, x], 0), 1).shape).toEqual([2, 6]);
  });

  it('indexing: indexSelect, gather, scatterAdd, indexAdd, where, maskedFill', () => {
    const x = f64([[1, 2], [3, 4], [5, 6]]);
    expect(ops.indexSelect(x, 0, i32([2, 0, 2])).toArray()).toEqual([[5, 6], [1, 2], [5, 6]]);
    expect(ops.gather(x, 1, i32([1, 0, 0], [3, 1])).toArray()).toEqual([[2], [3], [5]]);
    expect(ops.scatterAdd(ops.sumTo(x, [3, 2]), 0, i32([0, 0], [1, 2]), f64([[10, 20]])).toArray()).toEqual([[11, 22], [3, 4], [5, 6]]);
    expect(ops.indexAdd(f64([0, 0, 0]), 0, i32([1, 1, 2]), f64([1, 2, 3])).toArray()).toEqual([0, 3, 3]);
    expect(ops.where(i32([1, 0]), f64([1, 2]), -1).toArray()).toEqual([1, -1]);
    expect(ops.maskedFill(x, i32([0, 1], [1, 2]), 0).toArray()).toEqual([[1, 0], [3, 0], [5, 0]]);
  });

  it('softmax is stable for huge logits and handles −∞ (masked) entries', () => {
    const s = ops.softmax(f64([[1000, 1000, -Infinity]]));
    expect(s.toArray()).toEqual([[0.5, 0.5, 0]]);
    const ls = ops.logSoftmax(tensor([[1e4, 0]]));
    expect(ls.data[0]).toBe(0);
    expect(ls.data[1]).toBe(-1e4);
    expect(ops.sum(ops.softmax(tensor([3, 1, 0.2]))).item()).toBeCloseTo(1, 6);
  });

  it('comparisons give int32 masks', () => {
    const m = ops.gt(f64([1, 2, 3]), 2);
    expect(m.dtype).toBe('int32');
    expect(m.toArray()).toEqual([0, 0, 1]);
    expect(ops.eq(tensor([0.1]), 0.1).item()).toBe(1);
  });
});

describe('errors name the op, the argument and the shapes', () => {
  const a = f64([[1, 2, 3], [4, 5, 6]]);
  const cases: [string, () => unknown, RegExp][] = [
    ['add broadcast', () => ops.add(a, f64([1, 2])), /add: cannot broadcast \[2,3\] with \[2\]/],
    ['matmul inner dims', () => ops.matmul(a, a), /matmul: cannot multiply \[2,3\] by \[2,3\] \(inner dims 3 ≠ 2\)/],
    ['matmul batched x 2-d inner dims', () => ops.matmul(ops.stack([a, a]), a), /matmul: cannot multiply \[2,2,3\] by \[2,3\] \(inner dims 3 ≠ 2\)/],
    ['matmul batch broadcast', () => ops.matmul(ops.stack([a, a, a]), ops.stack([ops.transpose(a, 0, 1), ops.transpose(a, 0, 1)])), /matmul: cannot broadcast \[3\] with \[2\]/],
    ['matmul 0-d', () => ops.matmul(f64(1), a), /matmul: both arguments need at least 1 dim, got \[\] and \[2,3\]/],
    ['linear weight', () => ops.linear(a, f64([[1, 2]])), /linear: input \[2,3\] does not end in in_features 2 of weight \[1,2\]/],
    ['linear bias', () => ops.linear(a, f64([[1, 2, 3]]), f64([1, 2])), /linear: bias \[2\] must be \[1\] for weight \[1,3\]/],
    ['reshape size', () => ops.reshape(a, [4, 2]), /reshape: cannot reshape \[2,3\] \(size 6\) into \[4,2\]/],
    ['reshape two -1', () => ops.reshape(a, [-1, -1]), /reshape: only one dimension can be -1/],
    ['permute', () => ops.permute(a, [0, 0]), /permute: dims \[0,0\] are not a permutation of the 2 axes of \[2,3\]/],
    ['expand', () => ops.expand(a, [2, 4]), /expand: cannot broadcast \[2,3\] with \[2,4\]/],
    ['axis range', () => ops.sum(a, 2), /sum: axis 2 is out of range for a 2-d tensor for shape \[2,3\]/],
    ['repeated axis', () => ops.mean(a, [1, -1]), /mean: repeated axis in \[1,-1\] for shape \[2,3\]/],
    ['var too few', () => ops.variance(f64([[1], [2]]), 1), /var: 1 element\(s\) over axes \[1\] of \[2,1\] is too few for correction 1/],
    ['max empty', () => ops.max(f64([], [0, 2]), 0), /max: cannot reduce over an empty axis \(shape \[0,2\]\)/],
    ['concat shapes', () => ops.concat([a, f64([[1, 2]])], 0), /concat: tensor 1 has shape \[1,2\], incompatible with \[2,3\] along dim 0/],
    ['concat dtype', () => ops.concat([a, tensor([[1, 2, 3]])], 0), /concat: tensor 1 is float32 but tensor 0 is float64/],
    ['stack shapes', () => ops.stack([a, f64([1])]), /stack: tensor 1 has shape \[1\] but tensor 0 has \[2,3\]/],
    ['split sizes', () => ops.split(a, [1, 1], 1), /split: sizes \[1,1\] do not add up to 3 \(dim 1 of \[2,3\]\)/],
    ['indexSelect range', () => ops.indexSelect(a, 0, i32([0, 2])), /indexSelect: index 2 at position 1 is out of range for dim 0 of size 2 \(input \[2,3\]\)/],
    ['indexSelect dtype', () => ops.indexSelect(a, 0, f64([0])), /indexSelect: index must be an int32 tensor, got float64 \[1\]/],
    ['gather rank', () => ops.gather(a, 1, i32([0])), /gather: index \[1\] must have as many dims as the input \[2,3\]/],
    ['scatterAdd source', () => ops.scatterAdd(a, 1, i32([0, 1], [2, 1]), f64([1, 2])), /scatterAdd: source \[2\] must have the index's shape \[2,1\]/],
    ['indexAdd source', () => ops.indexAdd(a, 0, i32([1]), f64([1, 2])), /indexAdd: source \[2\] must have shape \[1,3\] for base \[2,3\] and 1 indices/],
    ['where broadcast', () => ops.where(i32([1, 0]), a, 0), /where: cannot broadcast \[2\] with \[2,3\]/],
    ['maskedFill mask', () => ops.maskedFill(f64([1, 2]), i32([1, 0, 1, 0], [2, 2]), 0), /maskedFill: mask \[2,2\] does not broadcast to the input \[2\]/],
    ['clamp bounds', () => ops.clamp(a, 2, 1), /clamp: min 2 is greater than max 1/],
    ['float op on int32', () => ops.exp(i32([1])), /exp: input must be a float tensor, got int32 \[1\]/],
    ['two numbers', () => ops.add(1, 2), /add: at least one operand must be a Tensor/],
    ['slice axis', () => ops.slice(a, 3, 0, 1), /slice: axis 3 is out of range for a 2-d tensor for shape \[2,3\]/],
  ];
  it.each(cases)('%s', (_name, fn, re) => {
    expect(fn).toThrow(re);
  });
  it('mul broadcast', () => {
    expect(() => ops.mul(f64([[1, 2]]), f64([[1], [2], [3]]))).not.toThrow();
    expect(() => ops.mul(f64([[1, 2]]), f64([1, 2, 3]))).toThrow(/mul: cannot broadcast \[1,2\] with \[3\]/);
  });
});

describe('fused softmax / logSoftmax', () => {
  it('equal their composite twins (values and gradients, float64 and float32), masked rows included', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const x = tensor([[1, -2, 3, 0.5], [1000, 1000, -Infinity, 999], [-1, -1, -1, -1]], { dtype, requiresGrad: true });
      const g = tensor([[0.3, -1, 2, 0.1], [1, 0, 0.5, -2], [1, 2, 3, 4]], { dtype });
      for (const [fused, composite] of [[ops.softmax, ops.softmaxComposite], [ops.logSoftmax, ops.logSoftmaxComposite]] as const) {
        const a = fused(x, -1);
        const b = composite(x, -1);
        // Inputs of magnitude 1000: ulp(1000) ≈ 1.1e-13 in float64.
        const tol = dtype === 'float64' ? 1e-12 : 1e-6;
        for (let i = 0; i < a.size; i++) {
          if (b.data[i] === -Infinity) expect(a.data[i]).toBe(-Infinity);
          else expect(Math.abs(a.data[i]! - b.data[i]!)).toBeLessThan(tol * Math.max(1, Math.abs(b.data[i]!)));
        }
        x.grad = null;
        ops.sum(ops.mul(ops.maskedFill(a, ops.eq(a, -Infinity), 0), g)).backward();
        const ga = x.grad!.clone();
        x.grad = null;
        ops.sum(ops.mul(ops.maskedFill(b, ops.eq(b, -Infinity), 0), g)).backward();
        for (let i = 0; i < ga.size; i++) expect(Math.abs(ga.data[i]! - x.grad!.data[i]!)).toBeLessThan(tol * 10);
      }
    }
  });
});

describe('gelu in float32', () => {
  it('uses a float32-accurate erf: within 3e-7·max(1,|x|) of the float64 result over [-8, 8]', () => {
    const xs = Array.from({ length: 3201 }, (_, i) => -8 + i * 0.005);
    const y32 = ops.gelu(tensor(xs));
    const y64 = ops.gelu(tensor(Float32Array.from(xs), { dtype: 'float64' }));
    for (let i = 0; i < xs.length; i++) {
      expect(Math.abs(y32.data[i]! - y64.data[i]!)).toBeLessThan(3e-7 * Math.max(1, Math.abs(xs[i]!)));
    }
  });

  it('its backward (one fused pass unless a graph is recorded) equals the recorded mul(g, gelu′(x)) bitwise', () => {
    const x = tensor(Array.from({ length: 997 }, (_, i) => -6 + i * 0.0121), { requiresGrad: true });
    const g = tensor(Array.from({ length: 997 }, (_, i) => Math.sin(i)));
    const [fused] = grad(ops.gelu(x), x, { gradOutputs: [g] });
    const [recorded] = grad(ops.gelu(x), x, { gradOutputs: [g], createGraph: true });
    expect(fused!.requiresGrad).toBe(false);
    expect(recorded!.requiresGrad).toBe(true);
    expect(fused!.data).toEqual(recorded!.data);
  });
});
