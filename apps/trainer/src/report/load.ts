// Reads a sweep folder for the report: sweep.json (optional), and per run folder config.json, metrics.jsonl and
// summary.json. Tolerant by design: a missing sweep.json means "scan the subfolders", a missing summary.json is
// rebuilt from the metrics rows, unparsable metrics lines (typically a half-written last line) are skipped and
// counted, and non-finite numbers (NaN written as null or "NaN") become NaN.
import { variantLabel } from '../config';
import type { RunConfig } from '../config';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { InitTelemetry, LayerTelemetry, MetricsRow, NormTelemetry, RunSummary, SweepManifest } from '../schema';

/** The parts of config.json the report uses (config.json is a full RunConfig; any of these may be missing). */
export interface ReportRunConfig {
  task?: string;
  norm?: string;
  placement?: string;
  lnVariance?: string;
  lnEpsPlacement?: string;
  dModel?: number;
  nHead?: number;
  layers?: number;
  dimFeedforward?: number;
  optimizer?: string;
  schedule?: string;
  batchSize?: number;
  steps?: number;
  lr?: number;
  warmupSteps?: number;
  seed?: number;
  clipGradNorm?: number;
}

export interface LoadedRun {
  id: string;
  dir: string;
  config: ReportRunConfig | null;
  /** summary.json, or one rebuilt from config.json and the metrics rows when it is missing (`summaryRebuilt`). */
  summary: RunSummary;
  summaryRebuilt: boolean;
  rows: MetricsRow[];
  /** metrics.jsonl lines that could not be parsed (a truncated last line counts here). */
  skippedLines: number;
  /** Problems met while reading this run, in words. */
  notes: string[];
}

export interface LoadedSweep {
  dir: string;
  name: string;
  manifest: SweepManifest | null;
  runs: LoadedRun[];
  /** Problems met while reading the sweep (missing runs, unreadable folders…), in words. */
  notes: string[];
}

/** A number from JSON: null, "NaN", "Infinity" and anything non-numeric become NaN (or ±Infinity). */
export function toNum(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'Infinity' || v === '+Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    return v.trim() !== '' && !Number.isNaN(n) ? n : NaN;
  }
  return NaN;
}

function toNumOrNull(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  return toNum(v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function numArray(v: unknown): number[] {
  return Array.isArray(v) ? v.map(toNum) : [];
}

function normalizeLayer(v: unknown, i: number): LayerTelemetry {
  const o = isRecord(v) ? v : {};
  const g = isRecord(o.gradNorm) ? o.gradNorm : {};
  return {
    index: typeof o.index === 'number' ? o.index : i,
    gradNorm: { attn: toNum(g.attn), ffn: toNum(g.ffn), norm: toNum(g.norm) },
    residualRms: toNum(o.residualRms),
    attnEntropy: numArray(o.attnEntropy),
    attnMaxLogit: toNum(o.attnMaxLogit),
  };
}

function normalizeNorm(v: unknown, i: number): NormTelemetry {
  const o = isRecord(v) ? v : {};
  const out: NormTelemetry = {
    name: typeof o.name === 'string' ? o.name : `norm${i}`,
    inMean: toNum(o.inMean),
    inStd: toNum(o.inStd),
    inMinTokenStd: toNum(o.inMinTokenStd),
    gammaNorm: toNumOrNull(o.gammaNorm),
  };
  if (o.alpha !== undefined) out.alpha = toNum(o.alpha);
  return out;
}

/** One metrics row with every field present (missing telemetry becomes empty arrays / NaN). */
export function normalizeRow(v: unknown): MetricsRow | null {
  if (!isRecord(v) || typeof v.step !== 'number') return null;
  const nf = isRecord(v.nonFinite) ? v.nonFinite : {};
  const ratio: Record<string, number> = {};
  if (isRecord(v.updateRatio)) for (const [k, x] of Object.entries(v.updateRatio)) ratio[k] = toNum(x);
  const row: MetricsRow = {
    step: v.step,
    time: toNum(v.time),
    loss: toNum(v.loss),
    accuracy: toNum(v.accuracy),
    lr: toNum(v.lr),
    gradNorm: toNum(v.gradNorm),
    stepMs: toNum(v.stepMs),
    tokensPerSec: toNum(v.tokensPerSec),
    nonFinite: { loss: toNum(nf.loss) || 0, grads: toNum(nf.grads) || 0, params: toNum(nf.params) || 0 },
    layers: Array.isArray(v.layers) ? v.layers.map(normalizeLayer) : [],
    norms: Array.isArray(v.norms) ? v.norms.map(normalizeNorm) : [],
    updateRatio: ratio,
  };
  if (v.evalLoss !== undefined) row.evalLoss = toNum(v.evalLoss);
  if (v.evalAccuracy !== undefined) row.evalAccuracy = toNum(v.evalAccuracy);
  return row;
}

/** Parses metrics.jsonl text; lines that are not JSON objects with a numeric `step` are skipped and counted. */
export function parseMetricsJsonl(text: string): { rows: MetricsRow[]; skipped: number; skippedLast: boolean } {
  const lines = text.split('\n');
  const rows: MetricsRow[] = [];
  let skipped = 0;
  let skippedLast = false;
  let lastNonEmpty = -1;
  for (let i = lines.length - 1; i >= 0; i--) if ((lines[i] ?? '').trim() !== '') { lastNonEmpty = i; break; }
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let row: MetricsRow | null;
    try {
      row = normalizeRow(JSON.parse(line));
    } catch {
      row = null;
    }
    if (row) rows.push(row);
    else {
      skipped++;
      if (i === lastNonEmpty) skippedLast = true;
    }
  });
  rows.sort((a, b) => a.step - b.step);
  return { rows, skipped, skippedLast };
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** The variant label of config.json (config.ts's `variantLabel`, with the schema's defaults for missing keys). */
export function variantFromConfig(c: ReportRunConfig | null): string | null {
  if (!c || typeof c.norm !== 'string') return null;
  return variantLabel({
    norm: c.norm as RunConfig['norm'],
    placement: (c.placement ?? 'pre') as RunConfig['placement'],
    lnVariance: (c.lnVariance ?? 'biased') as RunConfig['lnVariance'],
    lnEpsPlacement: (c.lnEpsPlacement ?? 'inside') as RunConfig['lnEpsPlacement'],
  });
}

function normalizeInit(v: unknown): InitTelemetry {
  const o = isRecord(v) ? v : {};
  return { ffnOut: numArray(o.ffnOut), ffnIn: numArray(o.ffnIn), batches: typeof o.batches === 'number' ? o.batches : 0 };
}

/** Rebuilds what it can of a summary from the config and the rows (for a run killed before summary.json). */
function rebuildSummary(id: string, config: ReportRunConfig | null, rows: MetricsRow[], hint: Partial<RunSummary>): RunSummary {
  const evals = rows.filter((r) => r.evalAccuracy !== undefined);
  const lastEval = evals[evals.length - 1];
  const firstBad = rows.find((r) => !Number.isFinite(r.loss) || r.nonFinite.loss > 0 || r.nonFinite.params > 0);
  const last = rows[rows.length - 1];
  const accs = evals.map((r) => r.evalAccuracy ?? NaN).filter(Number.isFinite);
  const hit = evals.find((r) => (r.evalAccuracy ?? 0) >= 0.9);
  return {
    id,
    variant: hint.variant ?? variantFromConfig(config) ?? 'unknown',
    task: config?.task ?? 'unknown',
    lr: hint.lr ?? config?.lr ?? NaN,
    warmupSteps: hint.warmupSteps ?? config?.warmupSteps ?? 0,
    seed: hint.seed ?? config?.seed ?? 0,
    steps: config?.steps ?? last?.step ?? 0,
    stepsRun: last?.step ?? 0,
    finalLoss: last && Number.isFinite(last.loss) ? last.loss : null,
    finalEvalLoss: lastEval?.evalLoss ?? null,
    finalEvalAccuracy: lastEval?.evalAccuracy ?? null,
    bestEvalAccuracy: accs.length ? Math.max(...accs) : null,
    stepsTo90: hit ? hit.step : null,
    diverged: firstBad !== undefined,
    divergedAt: firstBad ? firstBad.step : null,
    divergedReason: firstBad ? 'non-finite values in the metrics rows' : null,
    wallTimeSec: last && Number.isFinite(last.time) ? last.time : 0,
    init: { ffnOut: [], ffnIn: [], batches: 0 },
  };
}

function normalizeSummary(v: Record<string, unknown>, fallback: RunSummary): RunSummary {
  const str = (x: unknown, d: string): string => (typeof x === 'string' ? x : d);
  const numOr = (x: unknown, d: number): number => (typeof x === 'number' ? x : x === undefined ? d : toNum(x));
  const nn = (x: unknown, d: number | null): number | null => (x === undefined ? d : toNumOrNull(x));
  return {
    id: str(v.id, fallback.id),
    variant: str(v.variant, fallback.variant),
    task: str(v.task, fallback.task),
    lr: numOr(v.lr, fallback.lr),
    warmupSteps: numOr(v.warmupSteps, fallback.warmupSteps),
    seed: numOr(v.seed, fallback.seed),
    steps: numOr(v.steps, fallback.steps),
    stepsRun: numOr(v.stepsRun, fallback.stepsRun),
    finalLoss: nn(v.finalLoss, fallback.finalLoss),
    finalEvalLoss: nn(v.finalEvalLoss, fallback.finalEvalLoss),
    finalEvalAccuracy: nn(v.finalEvalAccuracy, fallback.finalEvalAccuracy),
    bestEvalAccuracy: nn(v.bestEvalAccuracy, fallback.bestEvalAccuracy),
    stepsTo90: nn(v.stepsTo90, fallback.stepsTo90),
    diverged: typeof v.diverged === 'boolean' ? v.diverged : fallback.diverged,
    divergedAt: nn(v.divergedAt, fallback.divergedAt),
    divergedReason: typeof v.divergedReason === 'string' ? v.divergedReason : v.divergedReason === null ? null : fallback.divergedReason,
    wallTimeSec: numOr(v.wallTimeSec, fallback.wallTimeSec),
    init: v.init === undefined ? fallback.init : normalizeInit(v.init),
  };
}

type ManifestRun = SweepManifest['runs'][number];

/** Reads one run folder; returns null when it holds none of the run files. */
export async function loadRun(dir: string, id: string, hint?: ManifestRun): Promise<LoadedRun | null> {
  const notes: string[] = [];
  const [configRaw, summaryRaw] = await Promise.all([readJson(join(dir, 'config.json')), readJson(join(dir, 'summary.json'))]);
  let metricsText: string | undefined;
  try {
    metricsText = await readFile(join(dir, 'metrics.jsonl'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (configRaw === undefined && summaryRaw === undefined && metricsText === undefined) return null;
  const config = isRecord(configRaw) ? (configRaw as ReportRunConfig) : null;
  if (!config) notes.push('config.json missing');
  const { rows, skipped, skippedLast } = parseMetricsJsonl(metricsText ?? '');
  if (metricsText === undefined) notes.push('metrics.jsonl missing');
  if (skipped > 0) {
    notes.push(skippedLast && skipped === 1 ? 'last metrics line truncated (skipped)' : `${skipped} unparsable metrics line(s) skipped`);
  }
  const hintSummary: Partial<RunSummary> = hint ? { variant: hint.variant, lr: hint.lr, warmupSteps: hint.warmupSteps, seed: hint.seed } : {};
  const rebuilt = rebuildSummary(id, config, rows, hintSummary);
  const summaryRebuilt = !isRecord(summaryRaw);
  if (summaryRebuilt) notes.push('summary.json missing: rebuilt from metrics.jsonl');
  const summary = isRecord(summaryRaw) ? normalizeSummary(summaryRaw, rebuilt) : rebuilt;
  if (!summary.diverged && summary.stepsRun < summary.steps) notes.push(`stopped at step ${summary.stepsRun} of ${summary.steps}`);
  return { id, dir, config, summary, summaryRebuilt, rows, skippedLines: skipped, notes };
}

function parseManifest(v: unknown): SweepManifest | null {
  if (!isRecord(v) || !Array.isArray(v.runs)) return null;
  const runs = v.runs.filter(isRecord).filter((r) => typeof r.id === 'string') as unknown as ManifestRun[];
  return { ...(v as unknown as SweepManifest), runs };
}

/** Reads a sweep folder: the runs listed in sweep.json, or every subfolder holding run files when it is missing. */
export async function loadSweep(sweepDir: string): Promise<LoadedSweep> {
  const notes: string[] = [];
  let manifest: SweepManifest | null = null;
  try {
    manifest = parseManifest(await readJson(join(sweepDir, 'sweep.json')));
  } catch (e) {
    notes.push(`sweep.json unreadable (${(e as Error).message}): scanned the subfolders instead`);
  }
  const runs: LoadedRun[] = [];
  if (manifest) {
    for (const r of manifest.runs) {
      const dir = join(sweepDir, r.id);
      const run = (await isDir(dir)) ? await loadRun(dir, r.id, r) : null;
      if (run) runs.push(run);
      else notes.push(`run ${r.id} is listed in sweep.json but has no run files`);
    }
  } else {
    if (!notes.length) notes.push('no sweep.json: runs found by scanning the subfolders');
    const entries = (await readdir(sweepDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    for (const name of entries) {
      const run = await loadRun(join(sweepDir, name), name);
      if (run) runs.push(run);
    }
  }
  const name = manifest?.name ?? sweepDir.split(/[\\/]/).filter(Boolean).pop() ?? 'sweep';
  return { dir: sweepDir, name, manifest, runs, notes };
}
