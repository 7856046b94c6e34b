// Global autograd switches: grad recording (noGrad) and anomaly detection.
let gradEnabled = true;
let anomalyEnabled = false;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` with gradient recording set to `enabled`, restoring the previous mode afterwards. */
export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Runs `fn` without recording a graph (PyTorch's `torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with gradient recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

export function isAnomalyEnabled(): boolean {
  return anomalyEnabled;
}

/**
 * Runs `fn` with anomaly detection: the first op whose forward output or backward gradient contains NaN/Inf
 * throws an `AnomalyError` naming the op and its shapes.
 */
export function detectAnomaly<T>(fn: () => T): T {
  const prev = anomalyEnabled;
  anomalyEnabled = true;
  try {
    return fn();
  } finally {
    anomalyEnabled = prev;
  }
}

let backwardOf: string | null = null;

/** The op whose VJP is running (for anomaly messages), or null in a forward pass. */
export function currentBackward(): string | null {
  return backwardOf;
}

export function inBackwardOf<T>(op: string, fn: () => T): T {
  const prev = backwardOf;
  backwardOf = op;
  try {
    return fn();
  } finally {
    backwardOf = prev;
  }
}
