// User-defined ops with a hand-written VJP (PyTorch's autograd.Function): fused kernels live behind this.
import type { Tensor } from '../tensor';
import { grad as gradOf, record } from './engine';
import { isGradEnabled, noGrad } from './mode';

export interface OpDefinition {
  /** Computes the output; runs without recording a graph. */
  forward: (inputs: Tensor[]) => Tensor;
  /**
   * The VJP: one gradient per input (null for none), each of its input's shape. Write it with differentiable
   * ops if gradients of gradients through this op are needed.
   */
  backward: (grad: Tensor, inputs: Tensor[], out: Tensor) => (Tensor | null)[];
  /**
   * The same function built from differentiable primitives. When given, a backward pass that records a graph
   * (`createGraph`) differentiates this instead of `backward`, so gradients of gradients work while ordinary
   * backward passes keep the fast hand-written rule.
   */
  composite?: (inputs: Tensor[]) => Tensor;
}

/** Defines a new differentiable op named `name`; the returned function applies it. */
export function defineOp(name: string, def: OpDefinition): (...inputs: Tensor[]) => Tensor {
  const apply = (...inputs: Tensor[]): Tensor => {
    const out = noGrad(() => def.forward(inputs)).detach();
    const composite = def.composite;
    const backward = (grad: Tensor): (Tensor | null)[] => {
      if (!composite || !isGradEnabled()) return def.backward(grad, inputs, out);
      // Recording a graph of the backward pass: differentiate the composite twin instead.
      const wanted = inputs.filter((x) => x.requiresGrad);
      const gs = gradOf(composite(inputs), wanted, { gradOutputs: [grad], createGraph: true, allowUnused: true });
      return inputs.map((x) => (x.requiresGrad ? gs[wanted.indexOf(x)]! : null));
    };
    return record(out, name, inputs, backward, (xs) => apply(...xs));
  };
  return apply;
}
