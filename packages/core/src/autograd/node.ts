// A node of the autograd graph: the op that produced one tensor, its inputs and its VJP.
import type { Tensor } from '../tensor';

/** Maps the output's gradient to one gradient per input (null where an input gets none). */
export type BackwardFn = (grad: Tensor) => (Tensor | null)[];

export interface Node {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** The VJP; set to null once the graph is freed by a backward pass without `retainGraph`. */
  backward: BackwardFn | null;
  /** Re-runs the op on new inputs (same attributes): gradcheck uses it to test each op's VJP on its own. */
  readonly replay: ((inputs: Tensor[]) => Tensor) | undefined;
}
