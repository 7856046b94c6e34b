// Walking a recorded graph: tensors in topological order, and Graphviz DOT text for inspection.
import type { Tensor } from '../tensor';
import { fmt } from '../shape';

/** Every tensor the roots depend on through recorded ops, inputs before outputs (iterative, no recursion). */
export function graphTensors(roots: readonly Tensor[]): Tensor[] {
  const post: Tensor[] = [];
  const seen = new Set<Tensor>(roots);
  const stack: [Tensor, number][] = roots.map((r) => [r, 0]);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const inputs = top[0].gradFn?.inputs ?? [];
    const child = inputs[top[1]++];
    if (child === undefined) {
      stack.pop();
      post.push(top[0]);
    } else if (!seen.has(child)) {
      seen.add(child);
      stack.push([child, 0]);
    }
  }
  return post;
}

/** The graph behind `root` as Graphviz DOT: a box per tensor (shape, dtype, grad flag), an ellipse per op. */
export function toDot(root: Tensor | readonly Tensor[]): string {
  const roots = Array.isArray(root) ? (root as readonly Tensor[]) : [root as Tensor];
  const tensors = graphTensors(roots);
  const id = new Map<Tensor, string>(tensors.map((t, i) => [t, `t${i}`]));
  const lines = ['digraph G {', '  rankdir=BT;', '  node [fontname="Helvetica", fontsize=10];'];
  for (const t of tensors) {
    const label = `${t.name ? `${t.name}\\n` : ''}${fmt(t.shape)} ${t.dtype}${t.requiresGrad ? '\\nrequiresGrad' : ''}`;
    const style = t.requiresGrad && !t.gradFn ? ', style=filled, fillcolor="#cfe8ff"' : '';
    lines.push(`  ${id.get(t)} [shape=box, label="${label}"${style}];`);
    if (t.gradFn) {
      const op = `${id.get(t)}_op`;
      lines.push(`  ${op} [shape=ellipse, label="${t.gradFn.op}"];`);
      for (const x of t.gradFn.inputs) lines.push(`  ${id.get(x)} -> ${op};`);
      lines.push(`  ${op} -> ${id.get(t)};`);
    }
  }
  lines.push('}');
  return lines.join('\n');
}
