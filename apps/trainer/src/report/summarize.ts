// Groups the runs of a sweep by setting (variant × lr × warmup) and reduces each group over its seeds: the numbers
// behind the summary table and the "What this shows" text.
import type { LoadedRun, LoadedSweep } from './load';

/** Eval accuracy at or above which a run counts as having solved the task. */
export const SOLVED_ACCURACY = 0.9;

export type Solved = 'all' | 'some' | 'none';

export interface SeedResult {
  runId: string;
  seed: number;
  /** First evaluated step with eval accuracy ≥ 90%, or null. */
  stepsTo90: number | null;
  solved: boolean;
  finalEvalLoss: number | null;
  finalEvalAccuracy: number | null;
  bestEvalAccuracy: number | null;
  diverged: boolean;
  divergedAt: number | null;
  divergedReason: string | null;
  stepsRun: number;
  steps: number;
}

export interface SettingSummary {
  variant: string;
  lr: number;
  warmupSteps: number;
  /** Ordered by seed. */
  seeds: SeedResult[];
  solved: Solved;
  solvedCount: number;
  /** Median steps to 90% over the seeds that got there (null when none did). */
  medianStepsTo90: number | null;
  /** Means over the seeds with a finite value, and how many had one. */
  meanFinalEvalLoss: number | null;
  meanFinalEvalAccuracy: number | null;
  finalEvalCount: number;
  divergedCount: number;
}

export interface VariantInfo {
  variant: string;
  /** post / pre / sandwich from config.json (or the label's prefix), null for `none` or unknown. */
  placement: string | null;
  norm: string | null;
}

export interface SweepSummary {
  variants: VariantInfo[];
  /** Distinct learning rates and warmups, ascending. */
  lrs: number[];
  warmups: number[];
  settings: SettingSummary[];
}

export function mean(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

export function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const finite = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

export function seedResult(run: LoadedRun): SeedResult {
  const s = run.summary;
  const stepsTo90 = finite(s.stepsTo90) ? s.stepsTo90 : null;
  return {
    runId: run.id,
    seed: s.seed,
    stepsTo90,
    solved: stepsTo90 !== null || (finite(s.bestEvalAccuracy) && s.bestEvalAccuracy >= SOLVED_ACCURACY),
    finalEvalLoss: s.finalEvalLoss,
    finalEvalAccuracy: s.finalEvalAccuracy,
    bestEvalAccuracy: s.bestEvalAccuracy,
    diverged: s.diverged,
    divergedAt: s.divergedAt,
    divergedReason: s.divergedReason,
    stepsRun: s.stepsRun,
    steps: s.steps,
  };
}

/** Variants in the order they first appear (sweep.json's order when there is one). */
function variantInfos(runs: LoadedRun[]): VariantInfo[] {
  const out = new Map<string, VariantInfo>();
  for (const r of runs) {
    const v = r.summary.variant;
    if (out.has(v)) continue;
    let placement = r.config?.placement ?? null;
    let norm = r.config?.norm ?? null;
    if (!norm) {
      const m = /^(post|pre|sandwich|peri)-([a-z]+)/.exec(v);
      if (m) [placement, norm] = [m[1]!, m[2]!];
      else if (v === 'none') norm = 'none';
    }
    if (norm === 'none') placement = null;
    out.set(v, { variant: v, placement, norm });
  }
  return [...out.values()];
}

/** Sort key: an lr's NaN (unknown) goes last. */
const byNum = (a: number, b: number): number => (Number.isNaN(a) ? 1 : Number.isNaN(b) ? -1 : a - b);

export function settingKey(variant: string, lr: number, warmupSteps: number): string {
  return `${variant}\u0000${lr}\u0000${warmupSteps}`;
}

export function summarizeSweep(sweep: LoadedSweep): SweepSummary {
  const variants = variantInfos(sweep.runs);
  const order = new Map(variants.map((v, i) => [v.variant, i]));
  const groups = new Map<string, LoadedRun[]>();
  for (const r of sweep.runs) {
    const k = settingKey(r.summary.variant, r.summary.lr, r.summary.warmupSteps);
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const settings: SettingSummary[] = [];
  for (const runs of groups.values()) {
    const first = runs[0]!.summary;
    const seeds = runs.map(seedResult).sort((a, b) => a.seed - b.seed);
    const solvedCount = seeds.filter((s) => s.solved).length;
    const losses = seeds.map((s) => s.finalEvalLoss).filter(finite);
    const accs = seeds.map((s) => s.finalEvalAccuracy).filter(finite);
    settings.push({
      variant: first.variant,
      lr: first.lr,
      warmupSteps: first.warmupSteps,
      seeds,
      solved: solvedCount === seeds.length ? 'all' : solvedCount > 0 ? 'some' : 'none',
      solvedCount,
      medianStepsTo90: median(seeds.map((s) => s.stepsTo90).filter(finite)),
      meanFinalEvalLoss: mean(losses),
      meanFinalEvalAccuracy: mean(accs),
      finalEvalCount: Math.min(losses.length, accs.length) || Math.max(losses.length, accs.length),
      divergedCount: seeds.filter((s) => s.diverged).length,
    });
  }
  settings.sort(
    (a, b) => (order.get(a.variant) ?? 0) - (order.get(b.variant) ?? 0) || byNum(a.lr, b.lr) || a.warmupSteps - b.warmupSteps,
  );
  const lrs = [...new Set(sweep.runs.map((r) => r.summary.lr))].sort(byNum);
  const warmups = [...new Set(sweep.runs.map((r) => r.summary.warmupSteps))].sort((a, b) => a - b);
  return { variants, lrs, warmups, settings };
}

// ---- formatting shared by the HTML and Markdown renderers ----

/** 0.01 → "1e-2", 0.0003 → "3e-4", 0.0015 → "1.5e-3". */
export function fmtLr(lr: number): string {
  if (!Number.isFinite(lr)) return '?';
  if (lr === 0) return '0';
  return lr.toExponential().replace('e+', 'e').replace(/\.?0+e/, 'e');
}

export function settingLabel(lr: number, warmupSteps: number): string {
  return `lr ${fmtLr(lr)}, warmup ${warmupSteps}`;
}

/** Four significant digits, or scientific notation for very small / large values; "—" for null. */
export function fmtNum(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return '—';
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return x.toExponential(2);
  return String(Number(x.toPrecision(digits)));
}

export function fmtPct(x: number | null | undefined): string {
  if (x === null || x === undefined) return '—';
  if (!Number.isFinite(x)) return fmtNum(x);
  return `${(x * 100).toFixed(1)}%`;
}

export function fmtSolved(s: SettingSummary): string {
  const word = s.solved === 'all' ? 'yes, all' : s.solved === 'some' ? 'some' : 'no';
  // Reaching 90% and then blowing up is not the same as solving it: say so next to the count.
  const lost = s.seeds.filter((x) => x.solved && x.diverged).length;
  return `${word} (${s.solvedCount}/${s.seeds.length})${lost ? `, ${lost} diverged later` : ''}`;
}

export function fmtStepsTo90(s: SettingSummary): string {
  return s.seeds.map((x) => `s${x.seed}: ${x.stepsTo90 ?? '—'}`).join(' · ');
}

export function fmtMeanOverSeeds(value: string, count: number, of: number): string {
  return count < of && value !== '—' ? `${value} (${count}/${of} seeds)` : value;
}

export function fmtDiverged(s: SettingSummary): string {
  if (!s.divergedCount) return '0';
  const where = s.seeds.filter((x) => x.diverged).map((x) => `s${x.seed}${x.divergedAt !== null ? ` @${x.divergedAt}` : ''}`);
  return `${s.divergedCount} (${where.join(', ')})`;
}

/** The summary table: one header row and one row per setting, as plain strings (the renderers escape them). */
export function summaryTable(sum: SweepSummary): { header: string[]; rows: string[][] } {
  const header = ['Variant', 'lr', 'Warmup', 'Solved (eval acc ≥ 90%)', 'Steps to 90% (per seed)', 'Final eval loss (mean)', 'Final eval acc (mean)', 'Diverged'];
  const rows = sum.settings.map((s) => [
    s.variant,
    fmtLr(s.lr),
    String(s.warmupSteps),
    fmtSolved(s),
    fmtStepsTo90(s),
    fmtMeanOverSeeds(fmtNum(s.meanFinalEvalLoss), s.finalEvalCount, s.seeds.length),
    fmtMeanOverSeeds(fmtPct(s.meanFinalEvalAccuracy), s.finalEvalCount, s.seeds.length),
    fmtDiverged(s),
  ]);
  return { header, rows };
}

/** The per-run table. */
export function runTable(sweep: LoadedSweep): { header: string[]; rows: string[][] } {
  const header = ['Run', 'Variant', 'lr', 'Warmup', 'Seed', 'Steps run', 'Final loss', 'Final eval loss', 'Final eval acc', 'Best eval acc', 'Steps to 90%', 'Diverged', 'Wall time', 'Notes'];
  const rows = sweep.runs.map((r) => {
    const s = r.summary;
    const div = s.diverged ? `at ${s.divergedAt ?? '?'}${s.divergedReason ? `: ${s.divergedReason}` : ''}` : 'no';
    return [
      r.id,
      s.variant,
      fmtLr(s.lr),
      String(s.warmupSteps),
      String(s.seed),
      `${s.stepsRun}/${s.steps}`,
      fmtNum(s.finalLoss),
      fmtNum(s.finalEvalLoss),
      fmtPct(s.finalEvalAccuracy),
      fmtPct(s.bestEvalAccuracy),
      s.stepsTo90 === null ? '—' : String(s.stepsTo90),
      div,
      `${fmtNum(s.wallTimeSec, 3)} s`,
      r.notes.join('; '),
    ];
  });
  return { header, rows };
}
