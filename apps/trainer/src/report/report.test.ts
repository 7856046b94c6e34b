import { mkdtemp, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMetricsJsonl } from './load';
import type { ReportDetails } from './report';
import { buildReport, buildReportDetails, writeReport } from './report';
import { fmtLr } from './summarize';
import type { SyntheticRun } from './test-fixtures';
import { writeSyntheticSweep } from './test-fixtures';

const CHART_IDS = [
  'chart-eval-accuracy',
  'chart-train-loss',
  'chart-grad-norm',
  'chart-init-ffn-grad',
  'chart-residual-rms',
  'chart-ln-in-std',
  'chart-ln-min-token-std',
  'chart-update-ratio',
  'chart-attn-entropy',
];

function unescape(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** The body rows of the HTML table with this id, as cell texts. */
function htmlTableRows(html: string, id: string): string[][] {
  const m = new RegExp(`<table id="${id}">([\\s\\S]*?)</table>`).exec(html);
  if (!m) throw new Error(`no table ${id}`);
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(m[1]!)![1]!;
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => unescape(c[1]!)));
}

/** The body rows of the first Markdown table after `heading`. */
function mdTableRows(md: string, heading: string): string[][] {
  const lines = md.slice(md.indexOf(heading)).split('\n');
  const table: string[] = [];
  for (let i = lines.findIndex((l) => l.startsWith('|')); i >= 0 && i < lines.length && lines[i]!.startsWith('|'); i++) table.push(lines[i]!);
  return table.slice(2).map((l) => l.slice(2, -2).split(' | '));
}

const pct = (xs: number[]): string => `${((xs.reduce((a, b) => a + b, 0) / xs.length) * 100).toFixed(1)}%`;

describe('sweep report from a synthetic sweep (2 variants × 2 lrs × 2 seeds)', () => {
  let dir: string;
  let runs: SyntheticRun[];
  let r: ReportDetails;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lnlab-report-'));
    runs = await writeSyntheticSweep(dir);
    r = await buildReportDetails(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads every run, skipping only the truncated last metrics line', () => {
    expect(r.sweep.runs).toHaveLength(8);
    for (const s of runs) {
      const loaded = r.sweep.runs.find((x) => x.id === s.id)!;
      expect(loaded.rows).toHaveLength(s.truncated ? s.rows.length - 1 : s.rows.length);
      expect(loaded.skippedLines).toBe(s.truncated ? 1 : 0);
    }
    const diverged = r.sweep.runs.find((x) => x.summary.diverged)!;
    expect(Number.isNaN(diverged.rows[diverged.rows.length - 1]!.loss)).toBe(true);
  });

  it('summary table: one row per variant × lr × warmup, with solved, steps to 90%, means and divergence', () => {
    const rows = htmlTableRows(r.html, 'summary-table');
    expect(rows.map((x) => x.slice(0, 3))).toEqual([
      ['post-layernorm', '1e-3', '0'],
      ['post-layernorm', '1e-2', '0'],
      ['pre-layernorm', '1e-3', '0'],
      ['pre-layernorm', '1e-2', '0'],
    ]);
    const expectRow = (row: string[], variant: string, lr: number): void => {
      const seeds = runs.filter((x) => x.variant === variant && x.lr === lr).sort((a, b) => a.seed - b.seed);
      const solved = seeds.filter((x) => x.summary.stepsTo90 !== null).length;
      expect(row[3]).toBe(`${solved === 2 ? 'yes, all' : solved === 1 ? 'some' : 'no'} (${solved}/2)`);
      expect(row[4]).toBe(seeds.map((x) => `s${x.seed}: ${x.summary.stepsTo90 ?? '—'}`).join(' · '));
      expect(row[6]).toBe(pct(seeds.map((x) => x.summary.finalEvalAccuracy!)));
    };
    expectRow(rows[0]!, 'post-layernorm', 1e-3);
    expectRow(rows[1]!, 'post-layernorm', 1e-2);
    expectRow(rows[2]!, 'pre-layernorm', 1e-3);
    expectRow(rows[3]!, 'pre-layernorm', 1e-2);
    expect(rows[0]![3]).toBe('some (1/2)');
    expect(rows[1]![3]).toBe('no (0/2)');
    expect(rows[1]![7]).toBe('1 (s0 @60)');
    expect(rows[3]![3]).toBe('yes, all (2/2)');
    expect(rows.filter((x) => x[7] !== '0')).toHaveLength(1);
    expect(htmlTableRows(r.html, 'runs-table')).toHaveLength(8);
  });

  it('draws one inline <svg> per chart, each in its own figure listed in the table of contents', () => {
    expect(r.chartIds).toEqual(CHART_IDS);
    expect(r.html.match(/<svg/g)).toHaveLength(CHART_IDS.length);
    expect(r.html.match(/<figure class="chart"/g)).toHaveLength(CHART_IDS.length);
    for (const id of CHART_IDS) expect(r.html).toContain(`<a href="#${id}">`);
    // Every figure holds exactly one svg with drawn lines.
    for (const fig of r.html.split('<figure').slice(1)) {
      const body = fig.slice(0, fig.indexOf('</figure>'));
      expect(body.match(/<svg/g)).toHaveLength(1);
      expect(body).toMatch(/<path[^>]+d="M/);
    }
    // Ids are scoped per chart, so no two SVGs share one.
    const ids = [...r.html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is self-contained: no http(s) resource, no script, no external stylesheet or font', () => {
    const withoutXmlns = r.html.replace(/\sxmlns(:\w+)?="[^"]*"/g, '');
    expect(withoutXmlns).not.toMatch(/https?:\/\//);
    expect(r.html).not.toMatch(/<script|<link|<iframe|<img|@import|url\((?!#)/i);
    expect(r.html).toContain('<meta http-equiv="Content-Security-Policy"');
  });

  it('report.md has the same summary and run tables, and names the charts', () => {
    const htmlRows = htmlTableRows(r.html, 'summary-table');
    expect(mdTableRows(r.md, '## Summary by setting')).toEqual(htmlRows);
    expect(r.md).toContain('| Variant | lr | Warmup | Solved (eval acc ≥ 90%) | Steps to 90% (per seed) | Final eval loss (mean) | Final eval acc (mean) | Diverged |');
    expect(mdTableRows(r.md, '## Runs')).toEqual(htmlTableRows(r.html, 'runs-table'));
    expect(r.md).toContain(`The ${CHART_IDS.length} charts are drawn in report.html`);
    expect(r.md).toContain('**Eval accuracy over training**');
    expect(r.md).toContain('last metrics line truncated (skipped)');
    expect(r.md).not.toContain('<svg');
  });

  it('"What this shows" is computed from the data: solved settings, the diverged variant and where', () => {
    const text = /<section id="what-this-shows"[^>]*>([\s\S]*?)<\/section>/.exec(r.html)![1]!;
    expect(text).toContain('post-layernorm diverged in 1 of its 4 runs: lr 1e-2, warmup 0, seed 0 at step 60 (loss is NaN)');
    expect(text).toContain('pre-layernorm never diverged');
    expect(text).toContain('pre-layernorm solved the task in every seed at all 2 of its settings');
    expect(text).toContain('post-layernorm solved the task in only some seeds at lr 1e-3, warmup 0 (1/2) and in no seed at lr 1e-2, warmup 0');
    // No warmup was varied, so the Xiong et al. warmup claim is not asserted either way.
    expect(text).toContain('cannot tell');
    expect(text).toMatch(/grows with depth for post-layernorm .* stays roughly flat for pre-layernorm/);
    expect(r.md).toContain('post-layernorm diverged in 1 of its 4 runs');
  });

  it('writeReport writes report.html and report.md through temp files and leaves none behind', async () => {
    const { htmlPath, mdPath } = await writeReport(dir);
    expect(htmlPath).toBe(join(dir, 'report.html'));
    const [html, md] = await Promise.all([readFile(htmlPath, 'utf8'), readFile(mdPath, 'utf8')]);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<svg/g)).toHaveLength(CHART_IDS.length);
    expect(md.startsWith('# LN Lab sweep report: synthetic')).toBe(true);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('tolerance of incomplete sweeps', () => {
  it('scans subfolders without sweep.json and rebuilds a missing summary.json from the metrics', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lnlab-report-'));
    try {
      const runs = await writeSyntheticSweep(dir, { manifest: false, seeds: [0] });
      const killed = runs.find((x) => x.variant === 'pre-layernorm' && x.lr === 1e-2)!;
      await unlink(join(dir, killed.id, 'summary.json'));
      const r = await buildReportDetails(dir);
      expect(r.sweep.runs.map((x) => x.id).sort()).toEqual(runs.map((x) => x.id).sort());
      expect(r.sweep.notes.join(' ')).toContain('no sweep.json');
      const rebuilt = r.sweep.runs.find((x) => x.id === killed.id)!;
      expect(rebuilt.summaryRebuilt).toBe(true);
      expect(rebuilt.summary.variant).toBe('pre-layernorm');
      expect(rebuilt.summary.stepsTo90).toBe(killed.summary.stepsTo90);
      expect(rebuilt.summary.diverged).toBe(false);
      const diverged = r.sweep.runs.find((x) => x.summary.diverged)!;
      expect(diverged.summary.variant).toBe('post-layernorm');
      expect(r.html).toContain('summary.json missing: rebuilt from metrics.jsonl');
      expect(r.html.match(/<svg/g)).toHaveLength(r.chartIds.length);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('parses metrics.jsonl: NaN as null or "NaN", blank lines, a truncated last line', () => {
    const ok = { step: 0, time: 0, loss: 2, accuracy: 0.1, lr: 1e-3, gradNorm: 1, stepMs: 1, tokensPerSec: 1, nonFinite: { loss: 0, grads: 0, params: 0 }, layers: [], norms: [], updateRatio: {} };
    const text = [JSON.stringify(ok), '', JSON.stringify({ ...ok, step: 10, loss: null }), JSON.stringify({ ...ok, step: 20, loss: 'NaN', gradNorm: 'Infinity' }), '{"step": 30, "loss": 1.'].join('\n');
    const { rows, skipped, skippedLast } = parseMetricsJsonl(text);
    expect(rows.map((x) => x.step)).toEqual([0, 10, 20]);
    expect(Number.isNaN(rows[1]!.loss)).toBe(true);
    expect(Number.isNaN(rows[2]!.loss)).toBe(true);
    expect(rows[2]!.gradNorm).toBe(Infinity);
    expect([skipped, skippedLast]).toEqual([1, true]);
  });

  it('formats learning rates compactly', () => {
    expect([1e-2, 1e-3, 3e-4, 0.0015, 1].map(fmtLr)).toEqual(['1e-2', '1e-3', '3e-4', '1.5e-3', '1e0']);
  });
});

describe('"What this shows" on warmup (Xiong et al. 2020), phrased from the data', () => {
  const whatText = async (opts: Parameters<typeof writeSyntheticSweep>[1]): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'lnlab-report-'));
    try {
      await writeSyntheticSweep(dir, opts);
      const { md } = await buildReport(dir);
      return md.slice(md.indexOf('## What this shows'), md.indexOf('## Charts'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  it('says Post-LN needed warmup at lr 1e-2 while Pre-LN did not, when the runs show it', async () => {
    const text = await whatText({ warmups: [0, 50], seeds: [0, 1] });
    expect(text).toContain('At lr 1e-2, post-layernorm solved 0/2 seeds without warmup and 2/2 with 50 warmup steps — it needed warmup; pre-layernorm solved 2/2 seeds without warmup');
    expect(text).toContain('This reproduces Xiong et al. at lr 1e-2');
  });

  it('says it does not reproduce the contrast when Post-LN trains without warmup', async () => {
    const text = await whatText({ warmups: [0, 50], seeds: [0, 1], postNeedsWarmup: false });
    expect(text).not.toContain('This reproduces');
    expect(text).toContain('This does not reproduce');
    expect(text).toContain('No run diverged.');
  });
});
