// Adam and AdamW: torch.optim.Adam / AdamW's single-tensor ("for-loop") implementation, operation for operation.
import { adamUpdate } from '@lnlab/core';
import type { AdamCoefficients as AdamUpdateCoefficients } from '@lnlab/core';
import { Optimizer, checkBoolean, checkKeys, checkNumber, withDefaults, zerosFor } from './optimizer';
import type { ParamState, ParamsInput, StateSpec } from './optimizer';

export interface AdamHyper {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

export type AdamOptions = Partial<AdamHyper>;

const KEYS = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'] as const;

interface AdamVariant {
  name: string;
  /** AdamW: `p ← p·(1 − lr·weightDecay)` before the update; Adam: `g ← g + weightDecay·p` (L2). */
  decoupled: boolean;
  defaultWeightDecay: number;
}

/**
 * `new Adam(params, {lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, amsgrad = false, maximize = false})`.
 *
 * Per parameter, t its own step count (from 1), g its gradient (negated when `maximize`), in PyTorch's order:
 *   g ← g + weightDecay·p                      (Adam; AdamW instead does p ← p·(1 − lr·weightDecay))
 *   m ← lerp(m, g, 1 − β1)                      exp_avg.lerp_(grad, 1-beta1)
 *   v ← v·β2 + (1 − β2)·g·g                      exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2)
 *   v̂ ← amsgrad ? (vmax ← max(vmax, v)) : v
 *   denom ← √v̂ / √(1 − β2^t) + eps
 *   p ← p − (lr / (1 − β1^t))·m / denom          param.addcdiv_(exp_avg, denom, value=-step_size)
 * State: `step`, `exp_avg`, `exp_avg_sq` and, with amsgrad, `max_exp_avg_sq` (buffers of the parameter's dtype).
 */
export class Adam extends Optimizer<AdamHyper> {
  protected static readonly variant: AdamVariant = { name: 'Adam', decoupled: false, defaultWeightDecay: 0 };
  private readonly decoupled: boolean;

  constructor(params: ParamsInput<AdamHyper>, options: AdamOptions = {}) {
    const variant = new.target.variant;
    checkKeys(variant.name, options, KEYS);
    const defaults = withDefaults<AdamHyper>(
      { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: variant.defaultWeightDecay, amsgrad: false, maximize: false },
      options,
    );
    super(variant.name, params, defaults);
    this.decoupled = variant.decoupled;
  }

  protected validateHyper(h: AdamHyper, where: string): void {
    checkNumber(where, 'lr', h.lr, { min: 0 });
    if (!Array.isArray(h.betas) || h.betas.length !== 2) throw new Error(`${where}: invalid betas (must be a pair [beta1, beta2])`);
    checkNumber(where, 'betas[0]', h.betas[0], { min: 0, max: 1, maxExclusive: true });
    checkNumber(where, 'betas[1]', h.betas[1], { min: 0, max: 1, maxExclusive: true });
    checkNumber(where, 'eps', h.eps, { min: 0 });
    checkNumber(where, 'weightDecay', h.weightDecay, { min: 0 });
    checkBoolean(where, 'amsgrad', h.amsgrad);
    checkBoolean(where, 'maximize', h.maximize);
  }

  protected stateSpec(h: AdamHyper): StateSpec {
    return { arrays: h.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq'], scalars: ['step'] };
  }

  step(): void {
    let index = 0;
    for (const group of this.paramGroups) {
      const { lr, betas, eps, weightDecay, amsgrad, maximize } = group;
      const [beta1, beta2] = betas;
      for (const p of group.params) {
        const g = this.gradOf(p, index++);
        if (g === null) continue;
        let st = this.state.get(p);
        if (st === undefined) {
          st = { step: 0, exp_avg: zerosFor(p), exp_avg_sq: zerosFor(p) };
          this.state.set(p, st);
        }
        if (amsgrad && st.max_exp_avg_sq === undefined) st.max_exp_avg_sq = zerosFor(p);
        const step = (st.step as number) + 1;
        st.step = step;
        const biasCorrection1 = 1 - beta1 ** step;
        const biasCorrection2 = 1 - beta2 ** step;
        updateAdam(p.data as Float32Array | Float64Array, g, st, {
          stepSize: lr / biasCorrection1,
          biasCorrection2Sqrt: Math.sqrt(biasCorrection2),
          beta2,
          eps,
          // PyTorch passes 1 - beta1 (lerp weight) and 1 - beta2 (addcmul value) computed in double.
          w1: 1 - beta1,
          w2: 1 - beta2,
          l2: this.decoupled ? 0 : weightDecay,
          decay: this.decoupled && weightDecay !== 0 ? 1 - lr * weightDecay : 1,
          amsgrad,
          maximize,
        });
      }
    }
  }
}

/** `new AdamW(params, {lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 1e-2, amsgrad, maximize})`: Adam with decoupled weight decay. */
export class AdamW extends Adam {
  protected static override readonly variant: AdamVariant = { name: 'AdamW', decoupled: true, defaultWeightDecay: 1e-2 };
}

/** core's coefficients (step size, bias correction, β2, ε, lerp / addcmul weights) plus the variants' own. */
interface AdamCoefficients extends AdamUpdateCoefficients {
  l2: number;
  decay: number;
  amsgrad: boolean;
  maximize: boolean;
}

function updateAdam(x: Float32Array | Float64Array, g: Float32Array | Float64Array, st: ParamState, c: AdamCoefficients): void {
  const m = st.exp_avg as Float32Array | Float64Array;
  const v = st.exp_avg_sq as Float32Array | Float64Array;
  const vmax = c.amsgrad ? (st.max_exp_avg_sq as Float32Array | Float64Array) : null;
  const { stepSize, biasCorrection2Sqrt, beta2, eps, w1, w2, l2, decay, maximize } = c;
  const smallWeight = Math.abs(w1) < 0.5;
  const n = x.length;
  if (vmax === null && !maximize && decay === 1 && l2 === 0 && smallWeight) {
    // core's kernel: the loop below without its branches (WebAssembly for float32; the same numbers)
    adamUpdate(x, g, m, v, c);
    return;
  }
  for (let i = 0; i < n; i++) {
    let gi = maximize ? -g[i]! : g[i]!;
    let xi = x[i]!;
    if (decay !== 1) xi = xi * decay; // param.mul_(1 - lr * weight_decay)
    if (l2 !== 0) gi = gi + l2 * xi; // grad.add(param, alpha=weight_decay)
    // exp_avg.lerp_(grad, w1), ATen's lerp: self + w·(end − self) for |w| < 0.5, else end − (end − self)·(1 − w)
    const mi = m[i]!;
    m[i] = smallWeight ? mi + w1 * (gi - mi) : gi - (gi - mi) * (1 - w1);
    v[i] = v[i]! * beta2 + w2 * gi * gi; // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=w2)
    let vi = v[i]!;
    if (vmax !== null) {
      vmax[i] = Math.max(vmax[i]!, vi); // torch.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
      vi = vmax[i]!;
    }
    const denom = Math.sqrt(vi) / biasCorrection2Sqrt + eps; // (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
    x[i] = xi + (-stepSize * m[i]!) / denom; // param.addcdiv_(exp_avg, denom, value=-step_size)
  }
}

