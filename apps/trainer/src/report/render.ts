// Turns the report's parts into report.html (self-contained: inline CSS and SVG, no scripts, no external resources)
// and report.md (the same tables and text; the charts are named and point to the HTML).
import type { RenderedChart } from './charts';

export interface Table {
  header: string[];
  rows: string[][];
}

export interface ReportParts {
  title: string;
  /** Short facts about the sweep (task, model, steps…), shown under the title. */
  meta: string[];
  summary: Table;
  /** One CSS class per summary row (e.g. solved-all), for the HTML only. */
  summaryRowClasses: string[];
  whatThisShows: string[];
  charts: RenderedChart[];
  skippedCharts: { title: string; reason: string }[];
  runs: Table;
  notes: string[];
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #222; background: #fafafa; margin: 0; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 32px 64px; background: #fff; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
h2 { font-size: 1.25em; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #e4e4e4; }
h3 { font-size: 1.05em; margin: 0 0 6px; }
.meta { color: #555; margin: 0 0 16px; }
.meta span + span::before { content: " · "; color: #aaa; }
nav.toc { background: #f5f7fa; border: 1px solid #e4e8ee; border-radius: 6px; padding: 8px 16px; display: inline-block; min-width: 320px; }
nav.toc h2 { border: 0; margin: 4px 0; font-size: 1em; }
nav.toc ol { margin: 0; padding-left: 20px; }
a { color: #1f5fa8; text-decoration: none; }
a:hover { text-decoration: underline; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; white-space: nowrap; }
td.wrap { white-space: normal; min-width: 160px; }
th { background: #f2f4f7; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.solved-all td.solved { background: #e6f4ea; }
tr.solved-some td.solved { background: #fff4e0; }
tr.solved-none td.solved { background: #fde8e8; }
tr.has-diverged td.diverged { color: #b3261e; font-weight: 600; }
figure.chart { margin: 16px 0 28px; padding: 12px; border: 1px solid #eee; border-radius: 6px; }
figure.chart > svg { display: block; max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 13px; margin-top: 6px; }
.what p { max-width: 900px; }
`;

function htmlTable(t: Table, opts: { id: string; rowClasses?: string[]; cellClasses?: (string | undefined)[] }): string {
  const head = `<thead><tr>${t.header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
  const body = t.rows
    .map((r, i) => {
      const cls = opts.rowClasses?.[i];
      const cells = r.map((c, j) => {
        const cc = opts.cellClasses?.[j];
        return `<td${cc ? ` class="${cc}"` : ''}>${escapeHtml(c)}</td>`;
      });
      return `<tr${cls ? ` class="${escapeHtml(cls)}"` : ''}>${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<div class="table-wrap"><table id="${opts.id}">${head}<tbody>\n${body}\n</tbody></table></div>`;
}

export function renderHtml(p: ReportParts): string {
  const toc = [
    `<li><a href="#summary">Summary by setting</a></li>`,
    `<li><a href="#what-this-shows">What this shows</a></li>`,
    `<li><a href="#charts">Charts</a><ol>${p.charts.map((c) => `<li><a href="#${c.id}">${escapeHtml(c.title)}</a></li>`).join('')}</ol></li>`,
    `<li><a href="#runs">Runs</a></li>`,
    `<li><a href="#notes">Data notes</a></li>`,
  ].join('\n');
  const figures = p.charts
    .map(
      (c) =>
        `<figure class="chart" id="${c.id}" data-chart="${c.id}">\n<h3>${escapeHtml(c.title)}</h3>\n${c.svg}\n<figcaption>${escapeHtml(c.caption)}</figcaption>\n</figure>`,
    )
    .join('\n');
  const skipped = p.skippedCharts.length
    ? `<p class="skipped">Not shown (no data): ${p.skippedCharts.map((s) => `${escapeHtml(s.title)} — ${escapeHtml(s.reason)}`).join('; ')}.</p>`
    : '';
  const notes = p.notes.length ? `<ul>${p.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('\n')}</ul>` : '<p>All run files were read completely.</p>';
  // Summary table columns: Variant, lr, Warmup, Solved, Steps to 90%, loss, acc, Diverged.
  const summaryCells = [undefined, 'num', 'num', 'solved', undefined, 'num', 'num', 'diverged wrap'];
  const runCells = [undefined, undefined, 'num', 'num', 'num', 'num', 'num', 'num', 'num', 'num', 'num', 'wrap', 'num', 'wrap'];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(p.title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>${escapeHtml(p.title)}</h1>
<p class="meta">${p.meta.map((m) => `<span>${escapeHtml(m)}</span>`).join('')}</p>
<nav class="toc" aria-label="Contents">
<h2>Contents</h2>
<ol>
${toc}
</ol>
</nav>
<section id="summary">
<h2>Summary by setting</h2>
<p>One row per variant × lr × warmup, over its seeds. Solved: eval accuracy reached 90% (all / some / no seeds). Means are over seeds with a finite value.</p>
${htmlTable(p.summary, { id: 'summary-table', rowClasses: p.summaryRowClasses, cellClasses: summaryCells })}
</section>
<section id="what-this-shows" class="what">
<h2>What this shows</h2>
${p.whatThisShows.map((t) => `<p>${escapeHtml(t)}</p>`).join('\n')}
</section>
<section id="charts">
<h2>Charts</h2>
${figures}
${skipped}
</section>
<section id="runs">
<h2>Runs</h2>
${htmlTable(p.runs, { id: 'runs-table', cellClasses: runCells })}
</section>
<section id="notes">
<h2>Data notes</h2>
${notes}
</section>
</main>
</body>
</html>
`;
}

function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function mdTable(t: Table): string {
  const line = (cells: string[]): string => `| ${cells.map(mdCell).join(' | ')} |`;
  return [line(t.header), `|${t.header.map(() => ' --- ').join('|')}|`, ...t.rows.map(line)].join('\n');
}

export function renderMarkdown(p: ReportParts): string {
  const charts = p.charts.map((c) => `- **${c.title}** — ${c.caption}`);
  const skipped = p.skippedCharts.map((s) => `- ${s.title}: not shown (${s.reason}).`);
  const notes = p.notes.length ? p.notes.map((n) => `- ${n}`) : ['All run files were read completely.'];
  return [
    `# ${p.title}`,
    '',
    p.meta.join(' · '),
    '',
    '## Summary by setting',
    '',
    'One row per variant × lr × warmup, over its seeds. Solved: eval accuracy reached 90% (all / some / no seeds). Means are over seeds with a finite value.',
    '',
    mdTable(p.summary),
    '',
    '## What this shows',
    '',
    p.whatThisShows.join('\n\n'),
    '',
    '## Charts',
    '',
    `The ${p.charts.length} charts are drawn in report.html (same folder):`,
    '',
    ...charts,
    ...skipped,
    '',
    '## Runs',
    '',
    mdTable(p.runs),
    '',
    '## Data notes',
    '',
    ...notes,
    '',
  ].join('\n');
}
