// Shape arithmetic shared by ops and kernels: sizes, strides, broadcasting and axis normalisation.
export type Shape = readonly number[];

export function fmt(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy broadcasting of two shapes; throws naming the op and both shapes when they are incompatible. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: cannot broadcast ${fmt(a)} with ${fmt(b)} (dim ${i - n}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides of `shape` viewed inside the broadcast shape `out` (0 along broadcast axes). */
export function broadcastStrides(shape: Shape, out: Shape): number[] {
  const s = stridesOf(shape);
  const r = new Array<number>(out.length).fill(0);
  const off = out.length - shape.length;
  for (let i = 0; i < shape.length; i++) r[off + i] = shape[i] === 1 ? 0 : s[i]!;
  return r;
}

/** Normalises one possibly negative axis; throws naming the op when it is out of range. */
export function normAxis(op: string, axis: number, ndim: number, shape?: Shape): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    const what = shape ? ` for shape ${fmt(shape)}` : '';
    throw new Error(`${op}: axis ${axis} is out of range for a ${ndim}-d tensor${what}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Sorted unique normalised axes; `undefined` means all axes. */
export function normAxes(op: string, axes: number | readonly number[] | undefined, shape: Shape): number[] {
  const ndim = shape.length;
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normAxis(op, a, ndim, shape));
  const uniq = [...new Set(out)].sort((x, y) => x - y);
  if (uniq.length !== out.length) throw new Error(`${op}: repeated axis in [${list.join(',')}] for shape ${fmt(shape)}`);
  return uniq;
}

export function assertShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${op}: invalid shape ${fmt(shape)} (dims must be non-negative integers)`);
  }
}
