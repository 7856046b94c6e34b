// The Transformer encoder with a choice of normalization and its placement, and the small LM the trainer uses.
import { add, arange, cast, formatShape } from '@lnlab/core';
import type { Generator , Tensor} from '@lnlab/core';
import { MultiheadAttention } from './attention';
import { Dropout, Embedding, GELU, Linear, ReLU } from './layers';
import { Module, ModuleList } from './module';
import { makeNorm } from './norm/index';
import type { NormKind, NormOptions } from './norm/index';
import type { InitOptions } from './init';

/** post: x = N(x + F(x)) (original); pre: x = x + F(N(x)); sandwich: x = x + N'(F(N(x))). */
export type Placement = 'post' | 'pre' | 'sandwich';

export interface EncoderLayerConfig extends InitOptions {
  dModel: number;
  nHead: number;
  dimFeedforward?: number;
  dropout?: number;
  activation?: 'relu' | 'gelu' | 'gelu-tanh';
  layerNormEps?: number;
  /** PyTorch's flag: true = pre-norm. Ignored when `placement` is given. */
  normFirst?: boolean;
  placement?: Placement;
  norm?: NormKind;
  /** Extra options for the norms (the LN variants, DyT's alphaInit, BatchNorm's momentum…). */
  normOptions?: NormOptions;
  bias?: boolean;
  generator?: Generator;
}

export interface EncoderForwardOptions {
  /** PyTorch's src_mask: [T, T], int32 non-zero = not allowed, or float added to the scores. */
  mask?: Tensor | null;
  /** [B, T], non-zero = padded key. */
  srcKeyPaddingMask?: Tensor | null;
  isCausal?: boolean;
}

function validate(c: EncoderLayerConfig): void {
  for (const k of ['dModel', 'nHead'] as const) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) throw new Error(`TransformerEncoderLayer: ${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.dModel % c.nHead !== 0) {
    throw new Error(`TransformerEncoderLayer: dModel (${c.dModel}) must be divisible by nHead (${c.nHead}); e.g. dModel ${c.nHead * Math.max(1, Math.round(c.dModel / c.nHead))}`);
  }
  const p = c.dropout ?? 0.1;
  if (!(p >= 0 && p < 1)) throw new Error(`TransformerEncoderLayer: dropout must be in [0, 1), got ${p}`);
}

/** nn.TransformerEncoderLayer(batch_first=True) with a pluggable norm kind and placement. */
export class TransformerEncoderLayer extends Module {
  self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: Module;
  norm2: Module;
  /** Sandwich only: norms on the branch outputs. */
  norm1_out: Module | null = null;
  norm2_out: Module | null = null;
  dropout1: Dropout;
  dropout2: Dropout;
  activation: Module;
  readonly placement: Placement;

  constructor(readonly config: EncoderLayerConfig) {
    super();
    validate(config);
    const { dModel, nHead } = config;
    const ff = config.dimFeedforward ?? 2048;
    const p = config.dropout ?? 0.1;
    const init: InitOptions = { ...(config.generator ? { generator: config.generator } : {}), ...(config.dtype ? { dtype: config.dtype } : {}) };
    const drop = config.generator ? { generator: config.generator } : {};
    this.placement = config.placement ?? (config.normFirst ? 'pre' : 'post');
    const bias = config.bias ?? true;
    this.self_attn = new MultiheadAttention(dModel, nHead, { ...init, bias, dropout: p, ...drop });
    this.linear1 = new Linear(dModel, ff, { ...init, bias });
    this.dropout = new Dropout(p, drop);
    this.linear2 = new Linear(ff, dModel, { ...init, bias });
    const kind = config.norm ?? 'layernorm';
    const normOpts: NormOptions = { eps: config.layerNormEps ?? 1e-5, ...config.normOptions, ...init };
    this.norm1 = makeNorm(kind, dModel, normOpts);
    this.norm2 = makeNorm(kind, dModel, normOpts);
    if (this.placement === 'sandwich') {
      this.norm1_out = makeNorm(kind, dModel, normOpts);
      this.norm2_out = makeNorm(kind, dModel, normOpts);
    }
    this.dropout1 = new Dropout(p, drop);
    this.dropout2 = new Dropout(p, drop);
    const act = config.activation ?? 'relu';
    this.activation = act === 'relu' ? new ReLU() : new GELU(act === 'gelu-tanh' ? 'tanh' : 'none');
  }

  private sa(x: Tensor, o: EncoderForwardOptions): Tensor {
    const { output } = this.self_attn.forward(x, x, x, { attnMask: o.mask ?? null, keyPaddingMask: o.srcKeyPaddingMask ?? null, isCausal: o.isCausal ?? false });
    return this.dropout1.forward(output);
  }

  private ff(x: Tensor): Tensor {
    const h = this.dropout.forward(this.activation.forward(this.linear1.forward(x) as never) as Tensor);
    return this.dropout2.forward(this.linear2.forward(h));
  }

  forward(src: Tensor, options: EncoderForwardOptions = {}): Tensor {
    const n = (m: Module, t: Tensor): Tensor => m.forward(t as never) as Tensor;
    let x = src;
    switch (this.placement) {
      case 'post':
        x = n(this.norm1, add(x, this.sa(x, options)));
        return n(this.norm2, add(x, this.ff(x)));
      case 'pre':
        x = add(x, this.sa(n(this.norm1, x), options));
        return add(x, this.ff(n(this.norm2, x)));
      case 'sandwich':
        x = add(x, n(this.norm1_out!, this.sa(n(this.norm1, x), options)));
        return add(x, n(this.norm2_out!, this.ff(n(this.norm2, x))));
    }
  }
}

/** A stack of encoder layers (`layers.{i}.…`) with an optional final norm (`norm.…`), as nn.TransformerEncoder. */
export class TransformerEncoder extends Module {
  layers: ModuleList<TransformerEncoderLayer>;
  norm: Module | null;

  constructor(layer: EncoderLayerConfig, numLayers: number, options: { finalNorm?: boolean } = {}) {
    super();
    if (!Number.isInteger(numLayers) || numLayers <= 0) throw new Error(`TransformerEncoder: numLayers must be a positive integer, got ${numLayers}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => new TransformerEncoderLayer(layer)));
    this.norm = options.finalNorm
      ? makeNorm(layer.norm ?? 'layernorm', layer.dModel, {
          eps: layer.layerNormEps ?? 1e-5,
          ...layer.normOptions,
          ...(layer.generator ? { generator: layer.generator } : {}),
          ...(layer.dtype ? { dtype: layer.dtype } : {}),
        })
      : null;
  }

  forward(src: Tensor, options: EncoderForwardOptions = {}): Tensor {
    let x = src;
    for (const layer of this.layers) x = layer.forward(x, options);
    return this.norm ? (this.norm.forward(x as never) as Tensor) : x;
  }
}

export interface TransformerLMConfig extends Omit<EncoderLayerConfig, 'dModel' | 'nHead'> {
  vocabSize: number;
  maxSeqLen: number;
  dModel: number;
  nHead: number;
  numLayers: number;
  /** A final norm before the head; default: true unless placement is post (as GPT-2 / nanoGPT). */
  finalNorm?: boolean;
}

/**
 * logits = lm_head(ln_f(encoder(tok_emb(x) + pos_emb(arange(T))))), causal: the model the trainer trains.
 * Keys: tok_emb, pos_emb, encoder.layers.{i}.…, ln_f (absent without a final norm), lm_head.
 */
export class TransformerLM extends Module {
  tok_emb: Embedding;
  pos_emb: Embedding;
  encoder: TransformerEncoder;
  ln_f: Module | null;
  lm_head: Linear;

  constructor(readonly config: TransformerLMConfig) {
    super();
    const { vocabSize, maxSeqLen, dModel, numLayers } = config;
    for (const [k, v] of [['vocabSize', vocabSize], ['maxSeqLen', maxSeqLen], ['numLayers', numLayers]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`TransformerLM: ${k} must be a positive integer, got ${v}`);
    }
    validate(config);
    const init: InitOptions = { ...(config.generator ? { generator: config.generator } : {}), ...(config.dtype ? { dtype: config.dtype } : {}) };
    this.tok_emb = new Embedding(vocabSize, dModel, init);
    this.pos_emb = new Embedding(maxSeqLen, dModel, init);
    this.encoder = new TransformerEncoder(config, numLayers, { finalNorm: false });
    const placement = config.placement ?? (config.normFirst ? 'pre' : 'post');
    const finalNorm = config.finalNorm ?? placement !== 'post';
    this.ln_f = finalNorm
      ? makeNorm(config.norm ?? 'layernorm', dModel, { eps: config.layerNormEps ?? 1e-5, ...config.normOptions, ...init })
      : null;
    this.lm_head = new Linear(dModel, vocabSize, init);
  }

  /** tokens: int32 [B, T] → logits [B, T, vocab]; causal unless told otherwise. */
  forward(tokens: Tensor, options: { causal?: boolean; srcKeyPaddingMask?: Tensor | null } = {}): Tensor {
    if (tokens.dtype !== 'int32' || tokens.ndim !== 2) throw new Error(`TransformerLM: tokens must be int32 [B, T], got ${tokens.dtype} ${formatShape(tokens.shape)}`);
    const T = tokens.shape[1]!;
    if (T > this.config.maxSeqLen) throw new Error(`TransformerLM: sequence length ${T} exceeds maxSeqLen ${this.config.maxSeqLen}`);
    const pos = cast(arange(T), 'int32');
    let x = add(this.tok_emb.forward(tokens), this.pos_emb.forward(pos));
    x = this.encoder.forward(x, { isCausal: options.causal ?? true, srcKeyPaddingMask: options.srcKeyPaddingMask ?? null });
    if (this.ln_f) x = this.ln_f.forward(x as never) as Tensor;
    return this.lm_head.forward(x);
  }
}
