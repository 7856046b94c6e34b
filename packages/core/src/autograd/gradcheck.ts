// gradcheck / gradgradcheck: analytic Jacobians (from backward) against float64 central differences, with
// PyTorch's defaults; on failure, each recorded op's VJP is checked on its own to name the faulty one.
import { Tensor } from '../tensor';
import { fmt } from '../shape';
import { Generator } from '../random';
import { grad } from './engine';
import { graphTensors } from './graph';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** On failure, check each op of the graph on its own and name the first whose VJP is wrong (default true). */
  locate?: boolean;
}

export interface GradcheckFailure {
  input: number;
  element: number;
  output: number;
  outputElement: number;
  analytic: number;
  numeric: number;
  /** The first op (inputs → output) whose own VJP disagrees with finite differences, if one was found. */
  op?: string;
  opShapes?: string;
}

export class GradcheckError extends Error {
  constructor(readonly failure: GradcheckFailure) {
    const f = failure;
    const where = f.op ? `; the VJP of op '${f.op}' (inputs ${f.opShapes}) disagrees with finite differences` : '';
    super(
      `gradcheck: Jacobian mismatch for output ${f.output} element ${f.outputElement} w.r.t. input ${f.input} element ${f.element}: analytic ${f.analytic} vs numeric ${f.numeric}${where}`,
    );
    this.name = 'GradcheckError';
  }
}

type Fn = (...inputs: Tensor[]) => Tensor | Tensor[];

function outputsOf(fn: Fn, inputs: Tensor[]): Tensor[] {
  const out = fn(...inputs);
  return Array.isArray(out) ? out : [out];
}

/** Compares analytic and numeric Jacobians; returns the first mismatch, or null. */
function compare(fn: Fn, inputs: Tensor[], eps: number, atol: number, rtol: number): GradcheckFailure | null {
  inputs.forEach((x, i) => {
    if (x.requiresGrad && x.dtype !== 'float64') {
      throw new Error(`gradcheck: input ${i} ${fmt(x.shape)} is ${x.dtype}; gradcheck requires float64 inputs`);
    }
  });
  const diff = inputs.map((x, i) => [x, i] as const).filter(([x]) => x.requiresGrad);
  const outs = outputsOf(fn, inputs);
  // Analytic Jacobian, one row per output element: J[o][j][input][e].
  const analytic: Float64Array[][][] = outs.map((o) =>
    Array.from({ length: o.size }, () => diff.map(([x]) => new Float64Array(x.size))),
  );
  outs.forEach((o, oi) => {
    if (!o.requiresGrad) return;
    for (let j = 0; j < o.size; j++) {
      const seed = new Tensor(new Float64Array(o.size), o.shape);
      seed.data[j] = 1;
      const gs = grad([o], diff.map(([x]) => x), { gradOutputs: [seed], retainGraph: true, allowUnused: true });
      gs.forEach((g, k) => analytic[oi]![j]![k]!.set(g.data));
    }
  });
  // Numeric Jacobian by central differences, one column per input element.
  for (let k = 0; k < diff.length; k++) {
    const [x, xi] = diff[k]!;
    for (let e = 0; e < x.size; e++) {
      const orig = x.data[e]!;
      x.data[e] = orig + eps;
      const plus = outputsOf(fn, inputs).map((t) => Float64Array.from(t.data));
      x.data[e] = orig - eps;
      const minus = outputsOf(fn, inputs).map((t) => Float64Array.from(t.data));
      x.data[e] = orig;
      for (let oi = 0; oi < outs.length; oi++) {
        for (let j = 0; j < outs[oi]!.size; j++) {
          const numeric = (plus[oi]![j]! - minus[oi]![j]!) / (2 * eps);
          const a = analytic[oi]![j]![k]![e]!;
          if (!(Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric))) {
            return { input: xi, element: e, output: oi, outputElement: j, analytic: a, numeric };
          }
        }
      }
    }
  }
  return null;
}

/** Checks every recorded op of fn's graph on its own inputs; returns the first (from the inputs) that fails. */
function locate(fn: Fn, inputs: Tensor[], eps: number, atol: number, rtol: number): { op: string; shapes: string } | null {
  const tensors = graphTensors(outputsOf(fn, inputs));
  for (const t of tensors) {
    const node = t.gradFn;
    if (!node?.replay) continue;
    const replay = node.replay;
    const local = node.inputs.map((x) => {
      const c = x.clone();
      c.requiresGrad = x.requiresGrad && x.dtype === 'float64';
      return c;
    });
    if (!local.some((x) => x.requiresGrad)) continue;
    if (compare((...xs) => replay(xs), local, eps, atol, rtol)) {
      return { op: node.op, shapes: node.inputs.map((x) => fmt(x.shape)).join(', ') };
    }
  }
  return null;
}

/**
 * Checks the gradients of `fn` at `inputs` (those with requiresGrad, in float64) against central differences:
 * |analytic − numeric| ≤ atol + rtol·|numeric| for every Jacobian entry. Returns true or throws GradcheckError.
 */
export function gradcheck(fn: Fn, inputs: Tensor[], options: GradcheckOptions = {}): true {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const failure = compare(fn, inputs, eps, atol, rtol);
  if (!failure) return true;
  if (options.locate ?? true) {
    const found = locate(fn, inputs, eps, atol, rtol);
    if (found) {
      failure.op = found.op;
      failure.opShapes = found.shapes;
    }
  }
  throw new GradcheckError(failure);
}

export interface GradgradcheckOptions extends GradcheckOptions {
  /** Upstream gradients (float64, requiresGrad) — random N(0,1) from `seed` when not given. */
  gradOutputs?: Tensor[];
  seed?: number;
}

/**
 * Checks second derivatives: gradcheck of (inputs, v) ↦ vᵀ·∂fn/∂inputs, with the backward pass recorded
 * (`createGraph`), as PyTorch's gradgradcheck does.
 */
export function gradgradcheck(fn: Fn, inputs: Tensor[], options: GradgradcheckOptions = {}): true {
  const outs = outputsOf(fn, inputs);
  const gen = new Generator(options.seed ?? 0);
  const vs =
    options.gradOutputs ??
    outs.map((o) => {
      const v = new Tensor(new Float64Array(o.size).map(() => gen.normal()), o.shape);
      v.requiresGrad = true;
      return v;
    });
  const diffIdx = inputs.map((x, i) => (x.requiresGrad ? i : -1)).filter((i) => i >= 0);
  const n = inputs.length;
  const firstOrder = (...all: Tensor[]): Tensor[] => {
    const xs = all.slice(0, n);
    const os = outputsOf(fn, xs);
    return grad(os, diffIdx.map((i) => xs[i]!), { gradOutputs: all.slice(n), createGraph: true, allowUnused: true });
  };
  return gradcheck(firstOrder, [...inputs, ...vs], options);
}
