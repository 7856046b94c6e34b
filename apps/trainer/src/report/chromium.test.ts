import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, checkReportInChromium, chromiumAvailable } from './chromium';
import { buildReportDetails, writeReport } from './report';
import { writeSyntheticSweep } from './test-fixtures';

const haveChromium = chromiumAvailable();
if (!haveChromium) {
  console.warn(`[report] skipping the Chromium test: no ${CHROMIUM_PATH} (apt-get update && apt-get install -y chromium)`);
}

describe.skipIf(!haveChromium)('report.html in headless Chromium', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lnlab-report-chromium-'));
    await writeSyntheticSweep(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('renders one visible <svg> per chart, with no console errors and no network request', async () => {
    const { chartIds } = await buildReportDetails(dir);
    const { htmlPath } = await writeReport(dir);
    const screenshotPath = join(dir, 'report.png');
    const res = await checkReportInChromium(htmlPath, { expectedCharts: chartIds.length, screenshotPath });
    expect(res.problems).toEqual([]);
    expect(res.ok).toBe(true);
    expect(res.chartCount).toBe(chartIds.length);
    expect(res.svgCount).toBe(chartIds.length);
    expect(res.chartsRendered).toBe(chartIds.length);
    expect(res.consoleErrors).toEqual([]);
    expect(res.pageErrors).toEqual([]);
    expect(res.externalRequests).toEqual([]);
    expect((await stat(screenshotPath)).size).toBeGreaterThan(10_000);
  });

  it('reports a chart without its <svg> and console errors', async () => {
    const bad = join(dir, 'bad.html');
    await writeFile(
      bad,
      '<!doctype html><html><body><figure data-chart="a"><svg width="10" height="10"><rect width="10" height="10"/></svg></figure>' +
        '<figure data-chart="b"></figure><script>console.error("boom")</script></body></html>',
    );
    const res = await checkReportInChromium(bad, { expectedCharts: 2 });
    expect(res.ok).toBe(false);
    expect(res.chartsRendered).toBe(1);
    expect(res.consoleErrors).toEqual(['boom']);
    expect(res.problems.join(' ')).toContain('b: 0 svg');
  });
});
