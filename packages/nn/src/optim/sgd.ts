// SGD with momentum, dampening, Nesterov momentum, L2 weight decay and maximize: torch.optim.SGD, step for step.
import { Optimizer, checkBoolean, checkKeys, checkNumber, withDefaults, zerosFor } from './optimizer';
import type { ParamsInput, StateSpec } from './optimizer';

export interface SGDHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

export type SGDOptions = Partial<SGDHyper> & { lr: number };

const KEYS = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'] as const;

/**
 * `new SGD(params, {lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false, maximize = false})`.
 *
 * Per parameter, with g its gradient (negated when `maximize`):
 *   g ← g + weightDecay·p
 *   b ← g at the first step, else momentum·b + (1 − dampening)·g   (only when momentum ≠ 0)
 *   g ← nesterov ? g + momentum·b : b
 *   p ← p − lr·g
 * State: `momentum_buffer` (only when momentum ≠ 0).
 */
export class SGD extends Optimizer<SGDHyper> {
  constructor(params: ParamsInput<SGDHyper>, options: SGDOptions) {
    if (typeof options !== 'object' || options === null) throw new Error('SGD: options {lr, ...} are required');
    checkKeys('SGD', options, KEYS);
    if (options.lr === undefined) throw new Error('SGD: lr is required (e.g. new SGD(params, {lr: 0.1}))');
    const defaults = withDefaults<SGDHyper>(
      { lr: Number.NaN, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false },
      options,
    );
    super('SGD', params, defaults);
  }

  protected validateHyper(h: SGDHyper, where: string): void {
    checkNumber(where, 'lr', h.lr, { min: 0 });
    checkNumber(where, 'momentum', h.momentum, { min: 0 });
    checkNumber(where, 'dampening', h.dampening);
    checkNumber(where, 'weightDecay', h.weightDecay, { min: 0 });
    checkBoolean(where, 'nesterov', h.nesterov);
    checkBoolean(where, 'maximize', h.maximize);
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
      throw new Error(`${where}: nesterov momentum requires momentum > 0 and dampening 0 (got momentum ${h.momentum}, dampening ${h.dampening})`);
    }
  }

  protected stateSpec(h: SGDHyper): StateSpec {
    return { arrays: h.momentum !== 0 ? ['momentum_buffer'] : [], scalars: [] };
  }

  step(): void {
    let index = 0;
    for (const group of this.paramGroups) {
      const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
      for (const p of group.params) {
        const g = this.gradOf(p, index++);
        if (g === null) continue;
        const x = p.data as Float32Array | Float64Array;
        let buf: Float32Array | Float64Array | null = null;
        let first = false;
        if (momentum !== 0) {
          const st = this.state.get(p) ?? {};
          const existing = st.momentum_buffer;
          if (existing !== undefined && typeof existing !== 'number') buf = existing;
          else {
            buf = zerosFor(p);
            first = true;
            st.momentum_buffer = buf;
            this.state.set(p, st);
          }
        }
        updateSGD(x, g, buf, first, lr, momentum, dampening, weightDecay, nesterov, maximize);
      }
    }
  }
}

function updateSGD(
  x: Float32Array | Float64Array,
  g: Float32Array | Float64Array,
  buf: Float32Array | Float64Array | null,
  first: boolean,
  lr: number,
  momentum: number,
  dampening: number,
  weightDecay: number,
  nesterov: boolean,
  maximize: boolean,
): void {
  const n = x.length;
  const damp = 1 - dampening;
  for (let i = 0; i < n; i++) {
    let d = maximize ? -g[i]! : g[i]!;
    if (weightDecay !== 0) d = d + weightDecay * x[i]!; // grad.add(param, alpha=weight_decay)
    if (buf !== null) {
      buf[i] = first ? d : buf[i]! * momentum + damp * d; // clone(grad) | buf.mul_(momentum).add_(grad, alpha=1-dampening)
      const b = buf[i]!;
      d = nesterov ? d + momentum * b : b; // grad.add(buf, alpha=momentum) | buf
    }
    x[i] = x[i]! + -lr * d; // param.add_(grad, alpha=-lr)
  }
}
