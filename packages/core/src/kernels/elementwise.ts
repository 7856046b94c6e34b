// Elementwise kernels: plain loops over typed arrays, one loop per op (no per-element closures).
import type { TypedArray } from '../dtype';
import type { Shape } from '../shape';
import { broadcastStrides } from '../shape';

export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'abs' | 'tanh' | 'sigmoid' | 'relu' | 'erf' | 'sign' | 'square'
  | 'reluMask';

const erfF64 = new Float64Array(1);
const erfU32 = new Uint32Array(erfF64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** erf by the rational approximations of fdlibm's s_erf.c (W. J. Cody), accurate to about 1 ulp in float64. */
export function erfScalar(x: number): number {
  if (x !== x) return NaN;
  const ax = Math.abs(x);
  if (ax < 0.84375) {
    if (ax < 3.7252902984e-9) return x + 0.1283791670955126 * x;
    const z = x * x;
    const r = 1.28379167095512558561e-1 + z * (-3.25042107247001499370e-1 + z * (-2.84817495755985104766e-2 + z * (-5.77027029648944159157e-3 + z * -2.37630166566501626084e-5)));
    const s = 1 + z * (3.97917223959155352819e-1 + z * (6.50222499887672944485e-2 + z * (5.08130628187576562776e-3 + z * (1.32494738004321644526e-4 + z * -3.96022827877536812320e-6))));
    return x + x * (r / s);
  }
  if (ax < 1.25) {
    const s = ax - 1;
    const p = -2.36211856075265944077e-3 + s * (4.14856118683748331666e-1 + s * (-3.72207876035701323847e-1 + s * (3.18346619901161753674e-1 + s * (-1.10894694282396677476e-1 + s * (3.54783043256182359371e-2 + s * -2.16637559486879084300e-3)))));
    const q = 1 + s * (1.06420880400844228286e-1 + s * (5.40397917702171048937e-1 + s * (7.18286544141962662868e-2 + s * (1.26171219808761642112e-1 + s * (1.36370839120290507362e-2 + s * 1.19844998467991074170e-2)))));
    const erx = 8.45062911510467529297e-1;
    return x >= 0 ? erx + p / q : -erx - p / q;
  }
  if (ax >= 6) return x >= 0 ? 1 : -1;
  const s = 1 / (ax * ax);
  let r: number;
  let q: number;
  if (ax < 1 / 0.35) {
    r = -9.86494403484714822705e-3 + s * (-6.93858572707181764372e-1 + s * (-1.05586262253232909814e1 + s * (-6.23753324503260060396e1 + s * (-1.62396669462573470355e2 + s * (-1.84605092906711035994e2 + s * (-8.12874355063065934246e1 + s * -9.81432934416914548592))))));
    q = 1 + s * (1.96512716674392571292e1 + s * (1.37657754143519042600e2 + s * (4.34565877475229228821e2 + s * (6.45387271733267880336e2 + s * (4.29008140027567833386e2 + s * (1.08635005541779435134e2 + s * (6.57024977031928170135 + s * -6.04244152148580987438e-2)))))));
  } else {
    r = -9.86494292470009928597e-3 + s * (-7.99283237680523006574e-1 + s * (-1.77579549177547519889e1 + s * (-1.60636384855821916062e2 + s * (-6.37566443368389627722e2 + s * (-1.02509513161107724954e3 + s * -4.83519191608651397019e2)))));
    q = 1 + s * (3.03380607434824582924e1 + s * (3.25792512996573918826e2 + s * (1.53672958608443695994e3 + s * (3.19985821950859553908e3 + s * (2.55305040643316442583e3 + s * (4.74528541206955367215e2 + s * -2.24409524465858183362e1))))));
  }
  // exp(-x²-0.5625) split as in fdlibm (z = x with the low 32 bits cleared, so z² is exact) to keep erfc's accuracy.
  erfF64[0] = ax;
  erfU32[littleEndian ? 0 : 1] = 0;
  const z = erfF64[0]!;
  const erfc = (Math.exp(-z * z - 0.5625) * Math.exp((z - ax) * (z + ax) + r / q)) / ax;
  return x >= 0 ? 1 - erfc : erfc - 1;
}

export function unaryKernel(op: UnaryOp, x: TypedArray, out: TypedArray): void {
  const n = x.length;
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -x[i]!;
      return;
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]!);
      return;
    case 'log':
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]!);
      return;
    case 'sqrt':
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]!);
      return;
    case 'rsqrt':
      for (let i = 0; i < n; i++) out[i] = 1 / Math.sqrt(x[i]!);
      return;
    case 'abs':
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]!);
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]!);
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        // Stable on both tails: never exponentiate a large positive number.
        if (v >= 0) out[i] = 1 / (1 + Math.exp(-v));
        else {
          const e = Math.exp(v);
          out[i] = e / (1 + e);
        }
      }
      return;
    case 'relu':
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        out[i] = v > 0 ? v : 0;
      }
      return;
    case 'reluMask':
      for (let i = 0; i < n; i++) out[i] = x[i]! > 0 ? 1 : 0;
      return;
    case 'sign':
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        out[i] = v > 0 ? 1 : v < 0 ? -1 : 0;
      }
      return;
    case 'square':
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        out[i] = v * v;
      }
      return;
    case 'erf':
      for (let i = 0; i < n; i++) out[i] = erfScalar(x[i]!);
      return;
  }
}

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** One contiguous run of a binary op: out[o + i] = a[ia + i·sa] ∘ b[ib + i·sb] for i < n. */
function binaryRun(op: BinaryOp, a: TypedArray, ia: number, sa: number, b: TypedArray, ib: number, sb: number, out: TypedArray, o: number, n: number): void {
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa]! + b[ib + i * sb]!;
      return;
    case 'sub':
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa]! - b[ib + i * sb]!;
      return;
    case 'mul':
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa]! * b[ib + i * sb]!;
      return;
    case 'div':
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa]! / b[ib + i * sb]!;
      return;
    case 'pow':
      for (let i = 0; i < n; i++) out[o + i] = Math.pow(a[ia + i * sa]!, b[ib + i * sb]!);
      return;
    case 'maximum':
      for (let i = 0; i < n; i++) {
        const x = a[ia + i * sa]!;
        const y = b[ib + i * sb]!;
        out[o + i] = x !== x || y !== y ? NaN : x > y ? x : y;
      }
      return;
    case 'minimum':
      for (let i = 0; i < n; i++) {
        const x = a[ia + i * sa]!;
        const y = b[ib + i * sb]!;
        out[o + i] = x !== x || y !== y ? NaN : x < y ? x : y;
      }
      return;
    case 'eq':
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa]! === b[ib + i * sb]! ? 1 : 0;
      return;
    case 'ne':
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa]! !== b[ib + i * sb]! ? 1 : 0;
      return;
    case 'lt':
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa]! < b[ib + i * sb]! ? 1 : 0;
      return;
    case 'le':
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa]! <= b[ib + i * sb]! ? 1 : 0;
      return;
    case 'gt':
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa]! > b[ib + i * sb]! ? 1 : 0;
      return;
    case 'ge':
      for (let i = 0; i < n; i++) out[o + i] = a[ia + i * sa]! >= b[ib + i * sb]! ? 1 : 0;
      return;
  }
}

/**
 * out = a ∘ b with NumPy broadcasting into `outShape`. The last axis is the inner run; an odometer walks the
 * outer axes, so broadcasting costs nothing per element.
 */
export function binaryKernel(op: BinaryOp, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: TypedArray, outShape: Shape): void {
  const total = out.length;
  if (total === 0) return;
  if (a.length === total && b.length === total) {
    binaryRun(op, a, 0, 1, b, 0, 1, out, 0, total);
    return;
  }
  if (b.length === 1 && a.length === total) {
    binaryRun(op, a, 0, 1, b, 0, 0, out, 0, total);
    return;
  }
  if (a.length === 1 && b.length === total) {
    binaryRun(op, a, 0, 0, b, 0, 1, out, 0, total);
    return;
  }
  const nd = outShape.length;
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  const inner = outShape[nd - 1]!;
  const isa = sa[nd - 1]!;
  const isb = sb[nd - 1]!;
  const idx = new Array<number>(nd).fill(0);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < total; o += inner) {
    binaryRun(op, a, ia, isa, b, ib, isb, out, o, inner);
    // Advance the odometer over the outer axes.
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      ia += sa[d]!;
      ib += sb[d]!;
      if (idx[d]! < outShape[d]!) break;
      ia -= sa[d]! * outShape[d]!;
      ib -= sb[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

/** Strided copy: out (contiguous, `outShape`) from x read with `strides` (e.g. broadcast or permuted strides). */
export function stridedCopy(x: TypedArray, offset: number, strides: readonly number[], out: TypedArray, outShape: Shape): void {
  const total = out.length;
  if (total === 0) return;
  const nd = outShape.length;
  if (nd === 0) {
    out[0] = x[offset]!;
    return;
  }
  if (strides.every((s) => s === 0)) {
    out.fill(x[offset]!); // a scalar broadcast (e.g. the gradient of a sum)
    return;
  }
  const inner = outShape[nd - 1]!;
  const si = strides[nd - 1]!;
  const idx = new Array<number>(nd).fill(0);
  let ix = offset;
  for (let o = 0; o < total; o += inner) {
    if (si === 1) for (let i = 0; i < inner; i++) out[o + i] = x[ix + i]!;
    else if (si === 0) out.fill(x[ix]!, o, o + inner);
    else for (let i = 0; i < inner; i++) out[o + i] = x[ix + i * si]!;
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      ix += strides[d]!;
      if (idx[d]! < outShape[d]!) break;
      ix -= strides[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

/** out = x where mask is 0, `value` where it is non-zero; mask broadcast to x's shape (odometer, no copies). */
export function maskedFillKernel(x: TypedArray, xShape: Shape, mask: TypedArray, maskShape: Shape, value: number, out: TypedArray): void {
  const total = x.length;
  if (total === 0) return;
  if (mask.length === total) {
    for (let i = 0; i < total; i++) out[i] = mask[i] ? value : x[i]!;
    return;
  }
  const nd = xShape.length;
  const sm = broadcastStrides(maskShape, xShape);
  const inner = xShape[nd - 1]!;
  const ism = sm[nd - 1]!;
  const idx = new Array<number>(nd).fill(0);
  let im = 0;
  for (let o = 0; o < total; o += inner) {
    for (let i = 0; i < inner; i++) out[o + i] = mask[im + i * ism] ? value : x[o + i]!;
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      im += sm[d]!;
      if (idx[d]! < xShape[d]!) break;
      im -= sm[d]! * xShape[d]!;
      idx[d] = 0;
    }
  }
}
