// The two training-step workloads (and their --quick stand-ins), the shared batch, the expected parameter count.
import { Lcg } from '../benchmarks/common';

/** A pre-LN causal Transformer LM: LN → MHA → residual, LN → FFN(GELU) → residual; final LN; linear head. */
export interface StepConfig {
  name: string;
  vocab: number;
  dModel: number;
  nHead: number;
  ff: number;
  layers: number;
  seq: number;
  batch: number;
  lr: number;
}

export const STEP_S: StepConfig = { name: 'S', vocab: 64, dModel: 64, nHead: 4, ff: 256, layers: 2, seq: 64, batch: 16, lr: 1e-3 };
export const STEP_M: StepConfig = { name: 'M', vocab: 64, dModel: 128, nHead: 4, ff: 512, layers: 4, seq: 128, batch: 8, lr: 1e-3 };
/** --quick: the same architecture, tiny, so every system runs it in well under a second. */
export const STEP_S_QUICK: StepConfig = { name: 'S (quick)', vocab: 64, dModel: 32, nHead: 2, ff: 64, layers: 1, seq: 16, batch: 4, lr: 1e-3 };
export const STEP_M_QUICK: StepConfig = { name: 'M (quick)', vocab: 64, dModel: 32, nHead: 4, ff: 128, layers: 2, seq: 16, batch: 4, lr: 1e-3 };

export function stepConfigs(quick: boolean): StepConfig[] {
  return quick ? [STEP_S_QUICK, STEP_M_QUICK] : [STEP_S, STEP_M];
}

export function describe(c: StepConfig): string {
  return `vocab ${c.vocab}, d ${c.dModel}, ${c.nHead} heads, FFN ${c.ff}, ${c.layers} layer${c.layers === 1 ? '' : 's'}, seq ${c.seq}, batch ${c.batch}`;
}

/** One batch of next-token prediction: x = s[:, :-1], y = s[:, 1:] for random sequences s. Row-major [batch, seq]. */
export interface Batch {
  x: Int32Array;
  y: Int32Array;
}

export function makeBatch(c: StepConfig, seed = 7): Batch {
  const g = new Lcg(seed);
  const x = new Int32Array(c.batch * c.seq);
  const y = new Int32Array(c.batch * c.seq);
  for (let b = 0; b < c.batch; b++) {
    let prev = g.int(c.vocab);
    for (let t = 0; t < c.seq; t++) {
      const next = g.int(c.vocab);
      x[b * c.seq + t] = prev;
      y[b * c.seq + t] = next;
      prev = next;
    }
  }
  return { x, y };
}

/** Rows of a [batch, seq] array as nested number arrays (for JSON and js-pytorch). */
export function rows(a: Int32Array, c: StepConfig): number[][] {
  return Array.from({ length: c.batch }, (_, b) => Array.from(a.subarray(b * c.seq, (b + 1) * c.seq)));
}

/** Parameters of the model (PyTorch's nn.TransformerEncoderLayer layout, learned positions of length seq). */
export function parameterCount(c: StepConfig): number {
  const d = c.dModel;
  const layer = 3 * d * d + 3 * d + d * d + d + d * c.ff + c.ff + c.ff * d + d + 4 * d;
  return c.vocab * d + c.seq * d + c.layers * layer + 2 * d + d * c.vocab + c.vocab;
}

/** Tokens per training step. */
export function tokensPerStep(c: StepConfig): number {
  return c.batch * c.seq;
}

/** One system's training step on one batch, built once and called repeatedly; step() returns the loss. */
export interface Stepper {
  parameters: number;
  step(): number | Promise<number>;
  dispose(): void;
  note?: string;
}

/** Normal(0, std) values from the shared generator (Box–Muller), for the peers' initial weights. */
export function normalArray(n: number, std: number, seed: number): Float32Array {
  const g = new Lcg(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(g.next(), 1e-12);
    const v = g.next();
    const r = std * Math.sqrt(-2 * Math.log(u));
    a[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) a[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return a;
}

/** Every peer's parameter list, by name, shape and initial values: the same model in every library. */
export interface ParamSpec {
  name: string;
  shape: number[];
  init: Float32Array;
}

/**
 * The parameters of the LM with matrices stored [in, out] (x·W): tok, pos, per layer ln1.{g,b}, attn.{wq,wk,wv}
 * (+ biases), attn.wo/bo, ln2.{g,b}, ffn.{w1,b1,w2,b2}; lnf.{g,b}; head.{w,b}. q/k/v are separate matrices
 * (the packed [d, 3d] product has the same FLOPs); a peer that prefers one packed matrix concatenates them.
 */
export function paramSpecs(c: StepConfig): ParamSpec[] {
  const d = c.dModel;
  let seed = 100;
  const mat = (name: string, rowsN: number, cols: number): ParamSpec => ({ name, shape: [rowsN, cols], init: normalArray(rowsN * cols, 1 / Math.sqrt(rowsN), seed++) });
  const vec = (name: string, n: number, value: number): ParamSpec => ({ name, shape: [n], init: new Float32Array(n).fill(value) });
  const specs: ParamSpec[] = [
    { name: 'tok', shape: [c.vocab, d], init: normalArray(c.vocab * d, 1, seed++) },
    { name: 'pos', shape: [c.seq, d], init: normalArray(c.seq * d, 1, seed++) },
  ];
  for (let l = 0; l < c.layers; l++) {
    const p = `layers.${l}.`;
    specs.push(
      vec(`${p}ln1.g`, d, 1), vec(`${p}ln1.b`, d, 0),
      mat(`${p}attn.wq`, d, d), vec(`${p}attn.bq`, d, 0),
      mat(`${p}attn.wk`, d, d), vec(`${p}attn.bk`, d, 0),
      mat(`${p}attn.wv`, d, d), vec(`${p}attn.bv`, d, 0),
      mat(`${p}attn.wo`, d, d), vec(`${p}attn.bo`, d, 0),
      vec(`${p}ln2.g`, d, 1), vec(`${p}ln2.b`, d, 0),
      mat(`${p}ffn.w1`, d, c.ff), vec(`${p}ffn.b1`, c.ff, 0),
      mat(`${p}ffn.w2`, c.ff, d), vec(`${p}ffn.b2`, d, 0),
    );
  }
  specs.push(vec('lnf.g', d, 1), vec('lnf.b', d, 0), mat('head.w', d, c.vocab), vec('head.b', c.vocab, 0));
  return specs;
}

/** A stepper whose step is synchronous (ours). */
export interface SyncStepper extends Stepper {
  step(): number;
}
