// The reverse-mode engine: recording ops into the graph and running VJPs in reverse topological order.
import { Tensor } from '../tensor';
import type { TypedArray } from '../dtype';
import { fmt, sameShape } from '../shape';
import type { BackwardFn, Node } from './node';
import { currentBackward, inBackwardOf, isAnomalyEnabled, isGradEnabled, withGradMode } from './mode';
import { add } from '../ops/arith';
import { cast } from '../ops/cast';
import { recycle, withAllocationTracking } from '../buffer-pool';

export class AnomalyError extends Error {
  constructor(
    message: string,
    readonly op: string,
    readonly phase: 'forward' | 'backward',
  ) {
    super(message);
    this.name = 'AnomalyError';
  }
}

function countNonFinite(data: TypedArray): number {
  let bad = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v !== v || v === Infinity || v === -Infinity) bad++;
  }
  return bad;
}

function shapesOf(ts: readonly Tensor[]): string {
  return ts.map((t) => fmt(t.shape)).join(', ');
}

/**
 * Attaches `out` to the graph as the result of `op` on `inputs`, when grad mode is on and an input requires grad.
 * Every op's forward ends here, so anomaly detection sees every forward output.
 */
export function record(
  out: Tensor,
  op: string,
  inputs: readonly Tensor[],
  backward: BackwardFn,
  replay?: (inputs: Tensor[]) => Tensor,
): Tensor {
  if (isAnomalyEnabled()) {
    const bad = countNonFinite(out.data);
    if (bad > 0 && inputs.every((t) => countNonFinite(t.data) === 0)) {
      const owner = currentBackward();
      const what = owner ? `backward of '${owner}' (in its '${op}')` : `forward of '${op}'`;
      throw new AnomalyError(
        `detectAnomaly: ${what} produced ${bad} NaN/Inf value(s) in an output ${fmt(out.shape)} from finite inputs (${shapesOf(inputs)})`,
        owner ?? op,
        owner ? 'backward' : 'forward',
      );
    }
  }
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    const node: Node = { op, inputs, backward, replay };
    out.gradFn = node;
    out.requiresGrad = true;
  }
  return out;
}

export interface RunOptions {
  retainGraph: boolean;
  createGraph: boolean;
  /** When given (the `grad()` API), gradients are returned for these tensors and leaves' `.grad` is untouched. */
  inputs: readonly Tensor[] | undefined;
  allowUnused?: boolean;
}

/** Tensors reachable from the roots through tensors that require grad, outputs before inputs. */
function topoOrder(roots: readonly Tensor[]): Tensor[] {
  const post: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative DFS (a 100,000-op chain must not overflow the stack): each frame is a tensor and its next input.
  const stack: [Tensor, number][] = [];
  for (const r of roots) {
    if (visited.has(r) || !r.requiresGrad) continue;
    visited.add(r);
    stack.push([r, 0]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [t, i] = top;
      const inputs = t.gradFn ? t.gradFn.inputs : [];
      if (i < inputs.length) {
        top[1] = i + 1;
        const child = inputs[i]!;
        if (child.requiresGrad && !visited.has(child)) {
          visited.add(child);
          stack.push([child, 0]);
        }
      } else {
        stack.pop();
        post.push(t);
      }
    }
  }
  return post.reverse();
}

function accumulate(prev: Tensor | undefined, g: Tensor): Tensor {
  return prev === undefined ? g : add(prev, g);
}

/**
 * Gives the buffers of gradients that became unreachable during a backward pass back to ./buffer-pool, so the
 * rest of the pass and the next forward reuse warm memory instead of fresh allocations (used without createGraph
 * only: then no recorded graph can hold a gradient). A buffer is recycled only if
 *  - it was allocated during this pass (never a forward activation, a saved tensor or a user's gradient),
 *  - no entry of the pending-gradient map holds a tensor on it (reference-counted by buffer, since VJPs may
 *    return their incoming gradient itself or a reshape sharing its storage), and
 *  - it never escaped to the caller: retained gradients (retainGrad), grad()'s results, leaves' .grad.
 * Candidates are the gradients the engine drops: a node's incoming gradient once its VJP ran, the two operands of
 * an accumulation, and a gradient replaced by its cast. Temporaries inside VJPs are left to the garbage collector.
 */
class GradRecycler {
  private readonly held = new Map<ArrayBufferLike, number>();
  private readonly escaped = new Set<ArrayBufferLike>();
  private readonly candidates: TypedArray[] = [];

  constructor(private readonly allocated: ReadonlySet<TypedArray>) {}

  hold(g: Tensor): void {
    const b = g.data.buffer;
    this.held.set(b, (this.held.get(b) ?? 0) + 1);
  }

  release(g: Tensor): void {
    const b = g.data.buffer;
    this.held.set(b, (this.held.get(b) ?? 1) - 1);
    this.candidates.push(g.data);
  }

  /** A dropped tensor that the map never held (a VJP result consumed by an accumulation or a cast). */
  drop(g: Tensor): void {
    this.candidates.push(g.data);
  }

  escape(g: Tensor): void {
    this.escaped.add(g.data.buffer);
  }

  /** Whether `g` (held once, by the entry being consumed) may be handed over to a leaf instead of copied. */
  transferable(g: Tensor): boolean {
    const b = g.data.buffer;
    return this.allocated.has(g.data) && this.held.get(b) === 1 && !this.escaped.has(b);
  }

  /** Recycles the candidates that turned out dead (after a node is fully processed). */
  flush(): void {
    for (const a of this.candidates) {
      const b = a.buffer;
      if ((this.held.get(b) ?? 0) === 0 && !this.escaped.has(b) && this.allocated.has(a)) {
        this.escaped.add(b); // once recycled, never again (a buffer may be a candidate twice)
        recycle(a);
      }
    }
    this.candidates.length = 0;
  }
}

/**
 * Adds `g` into a leaf's `.grad` (in place on a buffer the leaf owns, or through the graph with createGraph). A
 * first gradient is copied, unless `owned` (no one else can reach g's storage): then the leaf takes it over.
 */
function accumulateLeaf(leaf: Tensor, g: Tensor, createGraph: boolean, owned: boolean): void {
  if (createGraph) {
    leaf.grad = leaf.grad ? add(leaf.grad, g) : g;
    return;
  }
  if (!leaf.grad || leaf.grad.requiresGrad) {
    leaf.grad = leaf.grad ? add(leaf.grad.detach(), g) : new Tensor(owned ? g.data : g.data.slice(), g.shape);
    return;
  }
  const dst = leaf.grad.data;
  const src = g.data;
  for (let i = 0; i < dst.length; i++) dst[i]! += src[i]!;
}

export function runBackward(roots: readonly Tensor[], gradOutputs: readonly Tensor[] | undefined, opts: RunOptions): Tensor[] {
  const grads = new Map<Tensor, Tensor>();
  roots.forEach((r, i) => {
    if (!r.requiresGrad) {
      throw new Error(`backward: output ${i} ${fmt(r.shape)} does not require grad and has no gradFn`);
    }
    let g = gradOutputs?.[i];
    if (g === undefined) {
      if (r.size !== 1) {
        throw new Error(
          `backward: a gradient can be created implicitly only for scalar outputs; output ${i} has shape ${fmt(r.shape)} (pass a gradient of that shape)`,
        );
      }
      g = new Tensor(r.dtype === 'float64' ? new Float64Array([1]) : new Float32Array([1]), r.shape);
    } else if (!sameShape(g.shape, r.shape)) {
      throw new Error(`backward: gradient of shape ${fmt(g.shape)} does not match output ${i} of shape ${fmt(r.shape)}`);
    }
    grads.set(r, accumulate(grads.get(r), g));
  });

  const wanted = opts.inputs ? new Set(opts.inputs) : undefined;
  const captured = new Map<Tensor, Tensor>();
  const order = topoOrder(roots);
  if (opts.createGraph) {
    withGradMode(true, () => backwardPass(order, grads, wanted, captured, opts, null));
  } else {
    withAllocationTracking((allocated) => {
      const recycler = new GradRecycler(allocated);
      for (const g of grads.values()) recycler.hold(g);
      withGradMode(false, () => backwardPass(order, grads, wanted, captured, opts, recycler));
    });
  }

  if (!opts.inputs) return [];
  return opts.inputs.map((x, i) => {
    const g = captured.get(x);
    if (g) return g;
    if (!opts.allowUnused) {
      throw new Error(`grad: input ${i} ${fmt(x.shape)} was not used to compute the outputs (pass allowUnused: true to get zeros)`);
    }
    return new Tensor(x.data.slice().fill(0), x.shape);
  });
}

/** The VJPs in reverse topological order, gradients accumulating in `grads` (recycled when `recycler` is given). */
function backwardPass(
  order: readonly Tensor[], grads: Map<Tensor, Tensor>, wanted: Set<Tensor> | undefined, captured: Map<Tensor, Tensor>,
  opts: RunOptions, recycler: GradRecycler | null,
): void {
  /** grads[x] += gi, telling the recycler which tensors the map now holds and which it dropped. */
  const accumulateInto = (x: Tensor, gi: Tensor): void => {
    const prev = grads.get(x);
    const next = accumulate(prev, gi);
    grads.set(x, next);
    if (!recycler) return;
    recycler.hold(next);
    if (prev) {
      recycler.release(prev);
      recycler.drop(gi);
    }
  };
  for (const t of order) {
    const g = grads.get(t);
    if (g === undefined) continue;
    if (wanted) {
      if (wanted.has(t)) {
        captured.set(t, g);
        recycler?.escape(g);
      }
    } else if (!t.gradFn) {
      accumulateLeaf(t, g, opts.createGraph, recycler?.transferable(g) ?? false);
      if (t.grad?.data === g.data) recycler?.escape(g);
    } else if (t.retainsGrad) {
      t.grad = opts.createGraph ? g : g.detach();
      recycler?.escape(g);
    }
    const node = t.gradFn;
    if (!node) {
      if (recycler && !wanted) {
        grads.delete(t);
        recycler.release(g);
        recycler.flush();
      }
      continue;
    }
    grads.delete(t);
    if (!node.backward) {
      throw new Error(
        `backward: trying to backward through the graph a second time (op '${node.op}', output ${fmt(t.shape)}); its saved values were freed — pass retainGraph: true to the first backward`,
      );
    }
    const vjp = node.backward;
    const inGrads = isAnomalyEnabled() ? inBackwardOf(node.op, () => vjp(g)) : vjp(g);
    if (!opts.retainGraph) node.backward = null;
    node.inputs.forEach((x, i) => {
      let gi = inGrads[i];
      if (!gi || !x.requiresGrad) return;
      if (!sameShape(gi.shape, x.shape)) {
        throw new Error(
          `autograd: backward of '${node.op}' returned a gradient of shape ${fmt(gi.shape)} for input ${i} of shape ${fmt(x.shape)}`,
        );
      }
      if (gi.dtype !== x.dtype) {
        const uncast = gi;
        gi = cast(gi, x.dtype);
        recycler?.drop(uncast);
      }
      if (isAnomalyEnabled()) {
        const bad = countNonFinite(gi.data);
        if (bad > 0 && countNonFinite(g.data) === 0) {
          throw new AnomalyError(
            `detectAnomaly: backward of '${node.op}' produced ${bad} NaN/Inf value(s) in the gradient of input ${i} ${fmt(x.shape)} (inputs ${shapesOf(node.inputs)}, output ${fmt(t.shape)})`,
            node.op,
            'backward',
          );
        }
      }
      accumulateInto(x, gi);
    });
    if (recycler) {
      recycler.release(g);
      recycler.flush();
    }
  }
}

export interface GradOptions {
  gradOutputs?: readonly Tensor[];
  /** Keep the graph for another backward (default: createGraph). */
  retainGraph?: boolean;
  /** Record the backward pass itself, so the returned gradients can be differentiated again. */
  createGraph?: boolean;
  /** Return zeros (instead of throwing) for inputs the outputs do not depend on. */
  allowUnused?: boolean;
}

/** Gradients of `outputs` w.r.t. `inputs` (PyTorch's `torch.autograd.grad`); leaves' `.grad` is untouched. */
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], options: GradOptions = {}): Tensor[] {
  const outs = outputs instanceof Tensor ? [outputs] : outputs;
  const ins = inputs instanceof Tensor ? [inputs] : inputs;
  ins.forEach((x, i) => {
    if (!x.requiresGrad) throw new Error(`grad: input ${i} ${fmt(x.shape)} does not require grad`);
  });
  const createGraph = options.createGraph ?? false;
  return runBackward(outs, options.gradOutputs, {
    retainGraph: options.retainGraph ?? createGraph,
    createGraph,
    inputs: ins,
    allowUnused: options.allowUnused ?? false,
  });
}

/** Clears the `.grad` of each tensor (PyTorch's `zero_grad(set_to_none=True)`). */
export function zeroGrad(tensors: Iterable<Tensor>): void {
  for (const t of tensors) t.grad = null;
}
