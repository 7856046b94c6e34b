// buildReport / writeReport: a sweep folder in, report.html and report.md out.
import { join } from 'node:path';
import { writeFileAtomic } from '../fsutil';
import { planCharts, renderCharts } from './charts';
import type { LoadedSweep } from './load';
import { loadSweep } from './load';
import { whatThisShows } from './narrative';
import type { ReportParts } from './render';
import { renderHtml, renderMarkdown } from './render';
import type { SweepSummary } from './summarize';
import { fmtNum, runTable, settingLabel, summarizeSweep, summaryTable } from './summarize';

export interface BuiltReport {
  html: string;
  md: string;
}

export interface ReportDetails extends BuiltReport {
  /** The ids of the charts the report shows, in order (each is one inline <svg> in report.html). */
  chartIds: string[];
  sweep: LoadedSweep;
  summary: SweepSummary;
}

function sweepMeta(sweep: LoadedSweep): string[] {
  const out: string[] = [];
  const m = sweep.manifest;
  const one = <T>(pick: (c: NonNullable<LoadedSweep['runs'][number]['config']>) => T | undefined): T | undefined => {
    const vals = [...new Set(sweep.runs.map((r) => (r.config ? pick(r.config) : undefined)).filter((v) => v !== undefined))];
    return vals.length === 1 ? vals[0] : undefined;
  };
  const task = one((c) => c.task) ?? [...new Set(sweep.runs.map((r) => r.summary.task))].join(', ');
  if (task) out.push(`task ${task}`);
  const layers = one((c) => c.layers);
  const d = one((c) => c.dModel);
  const h = one((c) => c.nHead);
  const ff = one((c) => c.dimFeedforward);
  const model = [layers !== undefined ? `${layers} layers` : '', d !== undefined ? `d ${d}` : '', h !== undefined ? `${h} heads` : '', ff !== undefined ? `FFN ${ff}` : ''].filter(Boolean);
  if (model.length) out.push(model.join(', '));
  const steps = one((c) => c.steps) ?? (new Set(sweep.runs.map((r) => r.summary.steps)).size === 1 ? sweep.runs[0]?.summary.steps : undefined);
  if (steps !== undefined) out.push(`${steps} steps`);
  const bs = one((c) => c.batchSize);
  if (bs !== undefined) out.push(`batch ${bs}`);
  const opt = one((c) => c.optimizer);
  const sched = one((c) => c.schedule);
  if (opt) out.push(`${opt}${sched ? `, ${sched} schedule` : ''}`);
  out.push(`${sweep.runs.length} runs`);
  if (m?.preset) out.push(`preset ${m.preset}`);
  if (m?.createdAt) out.push(`created ${m.createdAt}`);
  if (m?.wallTimeSec !== undefined) out.push(`wall time ${fmtNum(m.wallTimeSec, 3)} s${m.workers ? ` on ${m.workers} workers` : ''}`);
  return out;
}

/** Builds both documents and returns what went into them (for tests and the CLI). */
export async function buildReportDetails(sweepDir: string): Promise<ReportDetails> {
  const sweep = await loadSweep(sweepDir);
  const summary = summarizeSweep(sweep);
  const variants = summary.variants.map((v) => v.variant);
  const settings: string[] = [];
  for (const lr of summary.lrs) for (const w of summary.warmups) if (sweep.runs.some((r) => r.summary.lr === lr && r.summary.warmupSteps === w)) settings.push(settingLabel(lr, w));
  const plan = planCharts(sweep, variants, settings);
  const charts = await renderCharts(plan.charts);
  const notes = [...sweep.notes, ...sweep.runs.filter((r) => r.notes.length).map((r) => `${r.id}: ${r.notes.join('; ')}`)];
  const parts: ReportParts = {
    title: `LN Lab sweep report: ${sweep.name}`,
    meta: sweepMeta(sweep),
    summary: summaryTable(summary),
    summaryRowClasses: summary.settings.map((s) => `solved-${s.solved}${s.divergedCount ? ' has-diverged' : ''}`),
    whatThisShows: whatThisShows(sweep, summary),
    charts,
    skippedCharts: plan.skipped,
    runs: runTable(sweep),
    notes,
  };
  return { html: renderHtml(parts), md: renderMarkdown(parts), chartIds: charts.map((c) => c.id), sweep, summary };
}

/** report.html (self-contained, charts as inline SVG) and report.md for the sweep folder `sweepDir`. */
export async function buildReport(sweepDir: string): Promise<BuiltReport> {
  const { html, md } = await buildReportDetails(sweepDir);
  return { html, md };
}

/** Builds the report and writes report.html and report.md into `sweepDir`; returns their paths. */
export async function writeReport(sweepDir: string): Promise<{ htmlPath: string; mdPath: string }> {
  const { html, md } = await buildReport(sweepDir);
  const htmlPath = join(sweepDir, 'report.html');
  const mdPath = join(sweepDir, 'report.md');
  writeFileAtomic(htmlPath, html);
  writeFileAtomic(mdPath, md);
  return { htmlPath, mdPath };
}
