// Opens a report.html in Debian's headless Chromium (through playwright-core, which downloads no browser) and
// checks that it renders: one <svg> per chart figure, each with a visible size, no console errors, no page
// errors, and no request leaving the file (the report must work offline).
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a headless Chromium on a machine without outside network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ChromiumCheckOptions {
  executablePath?: string;
  /** Fail unless the page has exactly this many chart figures. */
  expectedCharts?: number;
  /** Save a full-page PNG screenshot here (keep it outside the repository, e.g. under os.tmpdir()). */
  screenshotPath?: string;
  timeoutMs?: number;
}

export interface ChromiumCheckResult {
  ok: boolean;
  /** `<figure data-chart>` elements. */
  chartCount: number;
  /** All `<svg>` elements in the document. */
  svgCount: number;
  /** Chart figures holding exactly one `<svg>` child with a non-zero rendered size. */
  chartsRendered: number;
  consoleErrors: string[];
  pageErrors: string[];
  /** Requests to anything but the file itself (file:, data:, about:). */
  externalRequests: string[];
  problems: string[];
  screenshotPath?: string;
}

export function chromiumAvailable(path = CHROMIUM_PATH): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

interface PageCounts {
  chartCount: number;
  svgCount: number;
  chartsRendered: number;
  badCharts: string[];
}

// Runs in the page (a string, so that this package needs no DOM typings).
const COUNT_SCRIPT = `(() => {
  const figs = [...document.querySelectorAll('figure[data-chart]')];
  const bad = [];
  let ok = 0;
  for (const f of figs) {
    const svgs = f.querySelectorAll(':scope > svg');
    const r = svgs.length === 1 ? svgs[0].getBoundingClientRect() : null;
    if (r && r.width > 0 && r.height > 0 && svgs[0].querySelector('path, line, rect, text')) ok++;
    else bad.push(f.getAttribute('data-chart') + ': ' + svgs.length + ' svg');
  }
  return { chartCount: figs.length, svgCount: document.querySelectorAll('svg').length, chartsRendered: ok, badCharts: bad };
})()`;

/** Loads `htmlPath` in headless Chromium and reports what it finds; throws when Chromium is not installed. */
export async function checkReportInChromium(htmlPath: string, opts: ChromiumCheckOptions = {}): Promise<ChromiumCheckResult> {
  const executablePath = opts.executablePath ?? CHROMIUM_PATH;
  if (!chromiumAvailable(executablePath)) {
    throw new Error(`checkReportInChromium: no Chromium at ${executablePath} (install Debian's: apt-get update && apt-get install -y chromium)`);
  }
  const { chromium } = await import('playwright-core');
  const timeout = opts.timeoutMs ?? 30_000;
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout });
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  const externalRequests: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(timeout);
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('request', (r) => {
      if (!/^(file|data|about):/.test(r.url())) externalRequests.push(r.url());
    });
    await page.goto(pathToFileURL(resolve(htmlPath)).href, { waitUntil: 'load' });
    const counts = (await page.evaluate(COUNT_SCRIPT)) as PageCounts;
    if (opts.screenshotPath) await page.screenshot({ path: opts.screenshotPath, fullPage: true });
    const problems: string[] = [];
    if (opts.expectedCharts !== undefined && counts.chartCount !== opts.expectedCharts) problems.push(`expected ${opts.expectedCharts} charts, found ${counts.chartCount}`);
    if (counts.chartsRendered !== counts.chartCount) problems.push(`charts without exactly one visible <svg>: ${counts.badCharts.join(', ')}`);
    if (counts.svgCount !== counts.chartCount) problems.push(`${counts.svgCount} <svg> elements for ${counts.chartCount} charts`);
    if (consoleErrors.length) problems.push(`console errors: ${consoleErrors.join(' | ')}`);
    if (pageErrors.length) problems.push(`page errors: ${pageErrors.join(' | ')}`);
    if (externalRequests.length) problems.push(`external requests: ${externalRequests.join(', ')}`);
    const result: ChromiumCheckResult = {
      ok: problems.length === 0,
      chartCount: counts.chartCount,
      svgCount: counts.svgCount,
      chartsRendered: counts.chartsRendered,
      consoleErrors,
      pageErrors,
      externalRequests,
      problems,
    };
    if (opts.screenshotPath) result.screenshotPath = opts.screenshotPath;
    return result;
  } finally {
    await browser.close();
  }
}
