// The files a run writes, as types: config.json (RunConfig, see config.ts), metrics.jsonl (MetricsRow, one per
// logged step), summary.json (RunSummary); a sweep adds sweep.json (SweepManifest). The README documents them.

/** Per encoder layer, at a logged step. */
export interface LayerTelemetry {
  index: number;
  /** L2 norm of the gradients of the layer's attention, FFN and norm parameters (before clipping). */
  gradNorm: { attn: number; ffn: number; norm: number };
  /** Residual-stream RMS after the layer: mean over tokens of ‖x‖/√d. */
  residualRms: number;
  /** Attention entropy per head, divided by its maximum ln(visible keys) (1 = uniform), mean over queries. */
  attnEntropy: number[];
  /** The largest attention logit (after scaling, over unmasked keys). */
  attnMaxLogit: number;
}

/** Per normalization module (every norm in the model, by its dotted name), at a logged step. */
export interface NormTelemetry {
  name: string;
  /** Statistics of the module's input over the batch: mean of per-token means and stds, smallest per-token std. */
  inMean: number;
  inStd: number;
  inMinTokenStd: number;
  /** ‖γ‖ (null when the norm has no weight). */
  gammaNorm: number | null;
  /** DyT's α. */
  alpha?: number;
}

export interface MetricsRow {
  /** Optimizer updates completed before this row's batch (0 = the initial model). */
  step: number;
  /** Seconds since the run started. */
  time: number;
  /** Training loss on this step's batch. */
  loss: number;
  /** Token accuracy on this step's batch (counted positions only). */
  accuracy: number;
  lr: number;
  /** Global L2 gradient norm before clipping. */
  gradNorm: number;
  evalLoss?: number;
  evalAccuracy?: number;
  /** Milliseconds per training step (mean since the previous row) and tokens per second. */
  stepMs: number;
  tokensPerSec: number;
  /** NaN/Inf counts in the loss, the gradients and the parameters. */
  nonFinite: { loss: number; grads: number; params: number };
  layers: LayerTelemetry[];
  norms: NormTelemetry[];
  /** ‖Δθ‖/‖θ‖ of the update just applied, per parameter tensor (dotted PyTorch names). */
  updateRatio: Record<string, number>;
}

export interface InitTelemetry {
  /**
   * Xiong et al. 2020, fig. 3: the gradient of each layer's FFN weights averaged over 8 batches at
   * initialization, then its Frobenius norm. `ffnOut` = linear2.weight (the paper's W²), `ffnIn` = linear1.weight.
   */
  ffnOut: number[];
  ffnIn: number[];
  batches: number;
}

export interface RunSummary {
  /** Run id: the folder name. */
  id: string;
  /** Short label of the model variant, e.g. `pre-layernorm`. */
  variant: string;
  task: string;
  lr: number;
  warmupSteps: number;
  seed: number;
  steps: number;
  /** Steps actually run (fewer when diverged). */
  stepsRun: number;
  finalLoss: number | null;
  finalEvalLoss: number | null;
  finalEvalAccuracy: number | null;
  bestEvalAccuracy: number | null;
  /** First evaluated step at which eval accuracy reached 90%, or null. */
  stepsTo90: number | null;
  diverged: boolean;
  divergedAt: number | null;
  divergedReason: string | null;
  wallTimeSec: number;
  init: InitTelemetry;
}

export interface SweepManifest {
  name: string;
  preset: string | null;
  createdAt: string;
  runs: { id: string; variant: string; lr: number; warmupSteps: number; seed: number }[];
  wallTimeSec?: number;
  workers?: number;
}
