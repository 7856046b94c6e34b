// The sweep report: report.html (inline SVG charts, offline) and report.md from a sweep folder.
export { buildReport, buildReportDetails, writeReport } from './report';
export type { BuiltReport, ReportDetails } from './report';
export { checkReportInChromium, chromiumAvailable, CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
export type { ChromiumCheckOptions, ChromiumCheckResult } from './chromium';
export { loadSweep, loadRun, parseMetricsJsonl } from './load';
export type { LoadedRun, LoadedSweep, ReportRunConfig } from './load';
export { summarizeSweep, SOLVED_ACCURACY } from './summarize';
export type { SettingSummary, SweepSummary, SeedResult, Solved } from './summarize';
