// The report's charts: Vega-Lite specs built from the runs' metrics, compiled to Vega and rendered to SVG strings
// in Node (renderer 'none': no canvas, no DOM, no network). A chart whose data is empty is left out, with a note.
import { View, parse } from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { LoadedRun, LoadedSweep } from './load';
import { mean, median, settingLabel } from './summarize';

export interface ChartDef {
  /** HTML id / anchor, e.g. `chart-eval-accuracy`. */
  id: string;
  title: string;
  /** One or two sentences under the chart: what is plotted and how to read it. */
  caption: string;
  spec: TopLevelSpec;
}

export interface RenderedChart extends Omit<ChartDef, 'spec'> {
  svg: string;
}

export interface ChartPlan {
  charts: ChartDef[];
  /** Charts left out because their data is empty, with the reason. */
  skipped: { title: string; reason: string }[];
}

type Datum = Record<string, string | number>;

/** At most this many points per line: longer series are thinned evenly (first and last kept). */
const MAX_POINTS = 240;

function thin<T>(xs: T[]): T[] {
  if (xs.length <= MAX_POINTS) return xs;
  const k = Math.ceil(xs.length / MAX_POINTS);
  const out = xs.filter((_, i) => i % k === 0);
  if (out[out.length - 1] !== xs[xs.length - 1]) out.push(xs[xs.length - 1]!);
  return out;
}

const isPos = (x: number): boolean => Number.isFinite(x) && x > 0;

interface Ctx {
  variants: string[];
  settings: string[];
  runs: LoadedRun[];
}

function runKeys(r: LoadedRun): { variant: string; setting: string; seed: string } {
  return { variant: r.summary.variant, setting: settingLabel(r.summary.lr, r.summary.warmupSteps), seed: `seed ${r.summary.seed}` };
}

const PANEL = { width: 230, height: 150 };
const GRID_PANEL = { width: 190, height: 120 };

const baseConfig = {
  font: 'sans-serif',
  view: { stroke: '#ccc' },
  axis: { labelFontSize: 10, titleFontSize: 11, gridColor: '#eee' },
  legend: { labelFontSize: 10, titleFontSize: 11, labelLimit: 220 },
  header: { labelFontSize: 11, titleFontSize: 11, labelLimit: 260 },
};

function yScale(log: boolean, domain?: [number, number]): Record<string, unknown> {
  const s: Record<string, unknown> = log ? { type: 'log' } : { zero: false };
  if (domain) s.domain = domain;
  return s;
}

/**
 * One line per run, a panel per variant, colored by setting (lr/warmup), dashed by seed. `extra` adds layers
 * drawn over the lines (a reference rule, divergence marks).
 */
function perRunSpec(ctx: Ctx, values: Datum[], yTitle: string, log: boolean, extra: Record<string, unknown>[] = [], domain?: [number, number]): TopLevelSpec {
  const line = {
    mark: { type: 'line', strokeWidth: 1.4, opacity: 0.85 },
    transform: [{ filter: "datum.kind === 'line'" }],
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: yScale(log, domain) },
      color: { field: 'setting', type: 'nominal', title: 'setting', scale: { domain: ctx.settings } },
      strokeDash: { field: 'seed', type: 'nominal', title: 'seed' },
      detail: { field: 'run', type: 'nominal' },
    },
  };
  return {
    config: baseConfig,
    data: { values },
    facet: { field: 'variant', type: 'nominal', title: null, sort: ctx.variants },
    columns: Math.min(3, Math.max(1, ctx.variants.length)),
    spec: { ...PANEL, layer: [line, ...extra] },
  } as unknown as TopLevelSpec;
}

/** A grid: row = variant, column = setting; one line per run and `series` value (color = series, dash = seed). */
function gridSpec(ctx: Ctx, values: Datum[], yTitle: string, seriesTitle: string, log: boolean, domain?: [number, number]): TopLevelSpec {
  const series = [...new Set(values.map((v) => String(v.series)))].sort(naturalCompare);
  return {
    config: baseConfig,
    data: { values },
    facet: {
      row: { field: 'variant', type: 'nominal', title: null, sort: ctx.variants },
      column: { field: 'setting', type: 'nominal', title: null, sort: ctx.settings },
    },
    spec: {
      ...GRID_PANEL,
      mark: { type: 'line', strokeWidth: 1.3 },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        y: { field: 'value', type: 'quantitative', title: yTitle, scale: yScale(log, domain) },
        color: {
          field: 'series',
          type: 'nominal',
          title: seriesTitle,
          scale: { domain: series, scheme: series.length > 10 ? 'tableau20' : 'tableau10' },
        },
        strokeDash: { field: 'seed', type: 'nominal', title: 'seed' },
        detail: { field: 'run', type: 'nominal' },
      },
    },
  } as unknown as TopLevelSpec;
}

/** "layer 10" after "layer 9", "layers.2.norm1" before "layers.10.norm1". */
function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** One value per logged row of each run. */
function perRunValues(ctx: Ctx, pick: (row: LoadedRun['rows'][number]) => number | undefined, keep: (x: number) => boolean): Datum[] {
  const out: Datum[] = [];
  for (const r of ctx.runs) {
    const k = runKeys(r);
    const pts = r.rows.map((row) => ({ step: row.step, value: pick(row) })).filter((p): p is { step: number; value: number } => p.value !== undefined && keep(p.value));
    for (const p of thin(pts)) out.push({ kind: 'line', run: r.id, ...k, step: p.step, value: p.value });
  }
  return out;
}

/** Values per run and series (layer, norm module…) at each logged step; non-finite values are dropped. */
function gridValues(ctx: Ctx, pick: (row: LoadedRun['rows'][number]) => { series: string; value: number }[], keep: (x: number) => boolean): Datum[] {
  const out: Datum[] = [];
  for (const r of ctx.runs) {
    const k = runKeys(r);
    for (const row of thin(r.rows)) {
      for (const { series, value } of pick(row)) if (keep(value)) out.push({ run: r.id, ...k, series, step: row.step, value });
    }
  }
  return out;
}

/** The charts the report shows, in order; charts without data go to `skipped`. */
export function planCharts(sweep: LoadedSweep, variants: string[], settings: string[]): ChartPlan {
  const ctx: Ctx = { variants, settings, runs: sweep.runs };
  const charts: ChartDef[] = [];
  const skipped: ChartPlan['skipped'] = [];
  const add = (def: ChartDef, n: number, reason: string): void => {
    if (n > 0) charts.push(def);
    else skipped.push({ title: def.title, reason });
  };

  // 1. Eval accuracy.
  const acc = perRunValues(ctx, (r) => r.evalAccuracy, Number.isFinite);
  add(
    {
      id: 'chart-eval-accuracy',
      title: 'Eval accuracy over training',
      caption: 'One panel per variant, one line per run: color = lr/warmup setting, dash = seed. The grey rule marks the 90% threshold used for "solved".',
      spec: perRunSpec(ctx, acc, 'eval accuracy', false, [{ mark: { type: 'rule', color: '#888', strokeDash: [2, 2] }, transform: [{ aggregate: [{ op: 'count', as: 'n' }], groupby: ['variant'] }], encoding: { y: { datum: 0.9 } } }], [0, 1]),
    },
    acc.length,
    'no metrics row has an eval accuracy',
  );

  // 2. Train loss (log), with a cross where a run diverged.
  const loss = perRunValues(ctx, (r) => r.loss, isPos);
  for (const r of ctx.runs) {
    if (!r.summary.diverged) continue;
    const last = [...r.rows].reverse().find((row) => isPos(row.loss));
    if (last) loss.push({ kind: 'diverged', run: r.id, ...runKeys(r), step: r.summary.divergedAt ?? last.step, value: last.loss });
  }
  add(
    {
      id: 'chart-train-loss',
      title: 'Training loss (log scale)',
      caption: 'Loss on each logged training batch. One line per run (color = setting, dash = seed); a cross marks where a run diverged, at its last finite loss.',
      spec: perRunSpec(ctx, loss, 'train loss', true, [
        {
          mark: { type: 'point', shape: 'cross', size: 90, filled: true, opacity: 1 },
          transform: [{ filter: "datum.kind === 'diverged'" }],
          encoding: {
            x: { field: 'step', type: 'quantitative' },
            y: { field: 'value', type: 'quantitative' },
            color: { field: 'setting', type: 'nominal', scale: { domain: ctx.settings } },
          },
        },
      ]),
    },
    loss.length,
    'no metrics row has a finite positive loss',
  );

  // 3. Global gradient norm (log).
  const gn = perRunValues(ctx, (r) => r.gradNorm, isPos);
  add(
    {
      id: 'chart-grad-norm',
      title: 'Global gradient norm before clipping (log scale)',
      caption: 'The L2 norm of all gradients at each logged step. One line per run (color = setting, dash = seed).',
      spec: perRunSpec(ctx, gn, 'gradient norm', true),
    },
    gn.length,
    'no metrics row has a finite gradient norm',
  );

  // 4. Init FFN gradient per layer (Xiong et al. fig. 3): mean over the variant's seeds.
  const init: Datum[] = [];
  for (const variant of variants) {
    const bySeed = new Map<number, number[]>();
    for (const r of ctx.runs) if (r.summary.variant === variant && r.summary.init.ffnOut.length && !bySeed.has(r.summary.seed)) bySeed.set(r.summary.seed, r.summary.init.ffnOut);
    const depth = Math.max(0, ...[...bySeed.values()].map((v) => v.length));
    for (let l = 0; l < depth; l++) {
      const m = mean([...bySeed.values()].map((v) => v[l] ?? NaN).filter(isPos));
      if (m !== null) init.push({ variant, layer: l, value: m });
    }
  }
  add(
    {
      id: 'chart-init-ffn-grad',
      title: 'FFN output-weight gradient norm per layer at initialization (log scale)',
      caption: "Xiong et al. 2020, fig. 3: the Frobenius norm of each layer's linear2.weight gradient averaged over batches at init (summary.json `init.ffnOut`), mean over seeds. One line per variant.",
      spec: {
        config: baseConfig,
        data: { values: init },
        width: 380,
        height: 220,
        mark: { type: 'line', point: true, strokeWidth: 1.6 },
        encoding: {
          x: { field: 'layer', type: 'quantitative', title: 'layer index', axis: { tickMinStep: 1, format: 'd' } },
          y: { field: 'value', type: 'quantitative', title: '‖∇W_ffnOut‖ at init', scale: { type: 'log' } },
          color: { field: 'variant', type: 'nominal', title: 'variant', scale: { domain: variants.filter((v) => init.some((d) => d.variant === v)) } },
        },
      } as unknown as TopLevelSpec,
    },
    init.length,
    'no summary.json has init.ffnOut',
  );

  // 5. Residual-stream RMS per layer.
  const rms = gridValues(ctx, (row) => row.layers.map((l) => ({ series: `layer ${l.index}`, value: l.residualRms })), isPos);
  add(
    {
      id: 'chart-residual-rms',
      title: 'Residual-stream RMS after each layer (log scale)',
      caption: 'Mean over tokens of ‖x‖/√d after each layer. Rows: variants; columns: lr/warmup settings; color: layer; dash: seed.',
      spec: gridSpec(ctx, rms, 'residual RMS', 'layer', true),
    },
    rms.length,
    'no metrics row has per-layer telemetry',
  );

  // 6–7. LN input statistics.
  const inStd = gridValues(ctx, (row) => row.norms.map((n) => ({ series: n.name, value: n.inStd })), isPos);
  add(
    {
      id: 'chart-ln-in-std',
      title: 'Norm input std: mean per-token std (log scale)',
      caption: "The std of each normalization module's input (mean over tokens). Rows: variants; columns: settings; color: the norm module; dash: seed.",
      spec: gridSpec(ctx, inStd, 'input std', 'norm', true),
    },
    inStd.length,
    'no run has normalization telemetry (e.g. only variant none)',
  );
  const minStd = gridValues(ctx, (row) => row.norms.map((n) => ({ series: n.name, value: n.inMinTokenStd })), isPos);
  add(
    {
      id: 'chart-ln-min-token-std',
      title: 'Norm input: smallest per-token std (log scale)',
      caption: 'The smallest per-token std seen by each normalization module; values near √ε mean the norm amplifies those tokens by up to 1/√ε. Color: the norm module; dash: seed.',
      spec: gridSpec(ctx, minStd, 'min token std', 'norm', true),
    },
    minStd.length,
    'no run has normalization telemetry (e.g. only variant none)',
  );

  // DyT α, only when some norm reports one.
  const alpha = gridValues(ctx, (row) => row.norms.filter((n) => n.alpha !== undefined).map((n) => ({ series: n.name, value: n.alpha! })), Number.isFinite);
  if (alpha.length) {
    charts.push({
      id: 'chart-dyt-alpha',
      title: 'DyT α over training',
      caption: "The learned α of each DyT layer (it tends to track 1/std of the layer's input). Color: the norm module; dash: seed.",
      spec: gridSpec(ctx, alpha, 'α', 'norm', false),
    });
  }

  // 8. Update-to-weight ratio: median over tensors per step.
  const upd = perRunValues(
    ctx,
    (row) => median(Object.values(row.updateRatio).filter(isPos)) ?? undefined,
    isPos,
  );
  add(
    {
      id: 'chart-update-ratio',
      title: 'Update-to-weight ratio ‖Δθ‖/‖θ‖, median over tensors (log scale)',
      caption: 'At each logged step, the median over parameter tensors of the update just applied relative to the weights. One line per run (color = setting, dash = seed).',
      spec: perRunSpec(ctx, upd, 'median update ratio', true),
    },
    upd.length,
    'no metrics row has update ratios',
  );

  // 9. Attention entropy per layer, mean over heads.
  const ent = gridValues(
    ctx,
    (row) => row.layers.map((l) => ({ series: `layer ${l.index}`, value: mean(l.attnEntropy.filter(Number.isFinite)) ?? NaN })),
    Number.isFinite,
  );
  add(
    {
      id: 'chart-attn-entropy',
      title: 'Attention entropy per layer (normalized, mean over heads)',
      caption: 'Entropy of the attention weights divided by its maximum ln(visible keys): 1 = uniform attention, 0 = one key. Mean over heads; color: layer; dash: seed.',
      spec: gridSpec(ctx, ent, 'normalized entropy', 'layer', false, [0, 1]),
    },
    ent.length,
    'no metrics row has attention entropies',
  );

  return { charts, skipped };
}

/** Prefixes every id in an SVG (and its url(#…) / href="#…" references) so several SVGs can share one page. */
export function scopeSvgIds(svg: string, prefix: string): string {
  const ids = new Set<string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) ids.add(m[1]!);
  if (!ids.size) return svg;
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_, a: string, id: string) => `${a}${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (m, id: string) => (ids.has(id) ? `url(#${prefix}-${id})` : m))
    .replace(/(href=")#([^"]+)"/g, (m, a: string, id: string) => (ids.has(id) ? `${a}#${prefix}-${id}"` : m));
}

/** Compiles a Vega-Lite spec and renders it to an SVG string, headless. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vg = compile(spec).spec;
  const view = new View(parse(vg), { renderer: 'none', logLevel: 0 });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function renderCharts(defs: ChartDef[]): Promise<RenderedChart[]> {
  const out: RenderedChart[] = [];
  for (const d of defs) {
    const svg = scopeSvgIds(await renderSvg(d.spec), d.id);
    out.push({ id: d.id, title: d.title, caption: d.caption, svg });
  }
  return out;
}
