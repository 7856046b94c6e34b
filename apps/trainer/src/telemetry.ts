// Telemetry through forward hooks (the model code is untouched): residual-stream RMS per layer, attention
// entropy and largest logit per head, input statistics of every norm; plus gradient norms per layer group,
// update-to-weight ratios and NaN/Inf counts. Collected only on logging steps.
import type { Tensor } from '@lnlab/core';
import { BatchNorm1d, DyT, LayerNorm, RMSNorm, TransformerEncoderLayer } from '@lnlab/nn';
import type { AttentionResult, HookHandle, Module, Parameter } from '@lnlab/nn';
import type { LayerTelemetry, NormTelemetry } from './schema';

interface NormStats {
  inMean: number;
  inStd: number;
  inMinTokenStd: number;
}

/** Per-token mean/std over the last axis, summarised over tokens. */
export function tokenStats(x: Tensor): NormStats {
  const d = x.shape[x.ndim - 1]!;
  const rows = x.size / d;
  const data = x.data;
  let sumMean = 0;
  let sumStd = 0;
  let minStd = Infinity;
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let s = 0;
    for (let i = 0; i < d; i++) s += data[o + i]!;
    const mu = s / d;
    let v = 0;
    for (let i = 0; i < d; i++) v += (data[o + i]! - mu) ** 2;
    const sd = Math.sqrt(v / d);
    sumMean += mu;
    sumStd += sd;
    if (sd < minStd) minStd = sd;
  }
  return { inMean: sumMean / rows, inStd: sumStd / rows, inMinTokenStd: rows ? minStd : 0 };
}

/** Mean over tokens of ‖x‖/√d. */
export function residualRms(x: Tensor): number {
  const d = x.shape[x.ndim - 1]!;
  const rows = x.size / d;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += x.data[r * d + i]! ** 2;
    total += Math.sqrt(s / d);
  }
  return total / rows;
}

/** Per head: mean over batch and queries (with ≥ 2 visible keys) of H(p)/ln(visible). weights [B, H, L, S]. */
export function attentionEntropy(weights: Tensor, logits: Tensor): { entropy: number[]; maxLogit: number } {
  const [B, H, L, S] = weights.shape as [number, number, number, number];
  const w = weights.data;
  const z = logits.data;
  const entropy: number[] = [];
  let maxLogit = -Infinity;
  for (let h = 0; h < H; h++) {
    let sum = 0;
    let count = 0;
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < L; i++) {
        const o = ((b * H + h) * L + i) * S;
        let ent = 0;
        let visible = 0;
        for (let j = 0; j < S; j++) {
          const zj = z[o + j]!;
          if (zj === -Infinity) continue;
          visible++;
          if (zj > maxLogit) maxLogit = zj;
          const p = w[o + j]!;
          if (p > 0) ent -= p * Math.log(p);
        }
        if (visible >= 2) {
          sum += ent / Math.log(visible);
          count++;
        }
      }
    }
    entropy.push(count ? sum / count : 0);
  }
  return { entropy, maxLogit };
}

function l2(ts: readonly Tensor[]): number {
  let s = 0;
  for (const t of ts) for (let i = 0; i < t.size; i++) s += t.data[i]! ** 2;
  return Math.sqrt(s);
}

function countNonFinite(ts: readonly (Tensor | null)[]): number {
  let n = 0;
  for (const t of ts) if (t) for (let i = 0; i < t.size; i++) if (!Number.isFinite(t.data[i]!)) n++;
  return n;
}

type NormModule = LayerNorm | RMSNorm | DyT | BatchNorm1d;
const isNorm = (m: Module): m is NormModule => m instanceof LayerNorm || m instanceof RMSNorm || m instanceof DyT || m instanceof BatchNorm1d;

export class Telemetry {
  private active = false;
  private readonly handles: HookHandle[] = [];
  private readonly layerRms = new Map<number, number>();
  private readonly attn = new Map<number, { entropy: number[]; maxLogit: number }>();
  private readonly normStats = new Map<string, NormStats>();
  private readonly layers: TransformerEncoderLayer[] = [];
  private readonly norms: [string, NormModule][] = [];
  private readonly named: [string, Parameter][];
  private snapshot: Map<string, Float64Array> | null = null;

  constructor(private readonly model: Module) {
    this.named = model.namedParameters();
    for (const [name, m] of model.namedModules()) {
      if (m instanceof TransformerEncoderLayer) {
        const index = this.layers.length;
        this.layers.push(m);
        this.handles.push(m.registerForwardHook((_m, _in, out) => void (this.active && this.layerRms.set(index, residualRms(out as Tensor)))));
        this.handles.push(
          m.self_attn.registerForwardHook((_m, _in, out) => {
            if (!this.active) return;
            const r = out as AttentionResult;
            this.attn.set(index, attentionEntropy(r.weights, r.logits));
          }),
        );
      } else if (isNorm(m)) {
        this.norms.push([name, m]);
        this.handles.push(m.registerForwardHook((_m, inputs) => void (this.active && this.normStats.set(name, tokenStats(inputs[0] as Tensor)))));
      }
    }
  }

  /** Turn collection on for the next forward (a logging step) and clear the previous step's values. */
  arm(on: boolean): void {
    this.active = on;
    if (on) {
      this.layerRms.clear();
      this.attn.clear();
      this.normStats.clear();
    }
  }

  /** Per-layer gradient norms, residual RMS and attention statistics of the armed forward. */
  layerTelemetry(): LayerTelemetry[] {
    return this.layers.map((_, i) => {
      const prefix = `encoder.layers.${i}.`;
      const group = (re: RegExp) => l2(this.named.filter(([n, p]) => n.startsWith(prefix) && re.test(n.slice(prefix.length)) && p.grad).map(([, p]) => p.grad!));
      const a = this.attn.get(i);
      return {
        index: i,
        gradNorm: { attn: group(/^self_attn\./), ffn: group(/^linear[12]\./), norm: group(/^norm/) },
        residualRms: this.layerRms.get(i) ?? NaN,
        attnEntropy: a?.entropy ?? [],
        attnMaxLogit: a?.maxLogit ?? NaN,
      };
    });
  }

  normTelemetry(): NormTelemetry[] {
    return this.norms.map(([name, m]) => {
      const s = this.normStats.get(name) ?? { inMean: NaN, inStd: NaN, inMinTokenStd: NaN };
      const weight = m.weight;
      const row: NormTelemetry = { name, ...s, gammaNorm: weight ? l2([weight]) : null };
      if (m instanceof DyT) row.alpha = m.alpha.item();
      return row;
    });
  }

  /** Copies the parameters before an update (logging steps only), for update-to-weight ratios. */
  beforeUpdate(): void {
    this.snapshot = new Map(this.named.map(([n, p]) => [n, Float64Array.from(p.data)]));
  }

  /** ‖Δθ‖/‖θ‖ per tensor for the update since beforeUpdate (θ before the update). */
  updateRatios(): Record<string, number> {
    const out: Record<string, number> = {};
    if (!this.snapshot) return out;
    for (const [n, p] of this.named) {
      const before = this.snapshot.get(n)!;
      let dd = 0;
      let ww = 0;
      for (let i = 0; i < before.length; i++) {
        dd += (p.data[i]! - before[i]!) ** 2;
        ww += before[i]! ** 2;
      }
      out[n] = ww > 0 ? Math.sqrt(dd / ww) : Math.sqrt(dd);
    }
    this.snapshot = null;
    return out;
  }

  nonFiniteGrads(): number {
    return countNonFinite(this.named.map(([, p]) => p.grad));
  }

  nonFiniteParams(): number {
    return countNonFinite(this.named.map(([, p]) => p));
  }

  detach(): void {
    for (const h of this.handles) h.remove();
  }
}

