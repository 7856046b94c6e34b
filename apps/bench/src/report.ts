// Markdown tables: medians per system, then ratios (peer time ÷ our time: > 1 means ours is faster), then notes.
import { relativeSpread } from './timing';
import { PEERS, SYSTEMS } from './types';
import type { Cell, PeerName, ResultRow, SystemName } from './types';

/** 3 significant digits, more for small values: 2400, 312, 21.5, 3.20, 0.512. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/**
 * How many times faster ours is than `peer` on this row: peer time ÷ our time (for a throughput, our rate ÷ the
 * peer's rate, the same thing). null when either side has no figure or the row is not a comparison.
 */
export function speedRatio(row: ResultRow, peer: PeerName): number | null {
  const o = row.cells.ours;
  const p = row.cells[peer];
  if (row.better === 'none' || o?.status !== 'ok' || p?.status !== 'ok' || !(o.value > 0) || !(p.value > 0)) return null;
  return row.better === 'lower' ? p.value / o.value : o.value / p.value;
}

function ratioNumber(r: number): string {
  return r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toPrecision(2);
}

/** "3.2× (ours faster)" or "0.31× (tfjs-wasm 3.2× faster)". */
export function ratioText(r: number, peer: PeerName): string {
  if (r >= 1) return `${ratioNumber(r)}× (ours faster)`;
  return `${ratioNumber(r)}× (${peer} ${ratioNumber(1 / r)}× faster)`;
}

/** Numbered footnotes for missing cells, one number per distinct reason. */
class Footnotes {
  private readonly byText = new Map<string, number>();
  ref(text: string): number {
    let n = this.byText.get(text);
    if (n === undefined) {
      n = this.byText.size + 1;
      this.byText.set(text, n);
    }
    return n;
  }
  lines(): string[] {
    return [...this.byText.entries()].map(([text, n]) => `[${n}] ${text}`);
  }
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

function cellText(cell: Cell | undefined, notes: Footnotes, system: SystemName): string {
  if (!cell) return '—';
  if (cell.status !== 'ok') return `${cell.status} [${notes.ref(`${system}: ${cell.reason}`)}]`;
  const base = cell.display ?? formatNumber(cell.value);
  const spread = cell.stats && cell.stats.reps > 1 ? ` ±${Math.round((relativeSpread(cell.stats) * 100) / 2)}%` : '';
  return base + spread;
}

function table(header: string[], body: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.map(escapeCell).join(' | ')} |`)];
}

/** The systems with at least one cell in these rows (a peer left out with --peers still shows its "skipped"). */
function columns(rows: readonly ResultRow[]): SystemName[] {
  return SYSTEMS.filter((s) => rows.some((r) => r.cells[s] !== undefined));
}

/**
 * Row notes, then cell notes; a cell note repeated on several rows of one benchmark (the same peer setup on every
 * matmul size…) is printed once, for the benchmark.
 */
function collectNotes(rows: readonly ResultRow[], cols: readonly SystemName[]): string[] {
  const out: string[] = [];
  const seen = new Map<string, { benchmark: string; system: SystemName; note: string; labels: string[] }>();
  for (const r of rows) {
    for (const n of r.notes ?? []) out.push(`- ${r.label}: ${n}`);
    for (const s of cols) {
      const c = r.cells[s];
      if (c?.status !== 'ok' || !c.note) continue;
      const key = `${r.benchmark}\u0000${s}\u0000${c.note}`;
      const entry = seen.get(key);
      if (entry) entry.labels.push(r.label);
      else seen.set(key, { benchmark: r.benchmark, system: s, note: c.note, labels: [r.label] });
    }
  }
  for (const e of seen.values()) {
    const where = e.labels.length > 1 ? `${e.benchmark} (${e.labels.length} rows)` : e.labels[0]!;
    out.push(`- ${where} — ${e.system}: ${e.note}`);
  }
  return out;
}

export interface RenderOptions {
  title?: string;
  /** Lines printed under the title (machine, versions…). */
  preamble?: string[];
}

export function renderMarkdown(rows: readonly ResultRow[], options: RenderOptions = {}): string {
  const notes = new Footnotes();
  const cols = columns(rows);
  const out: string[] = [];
  if (options.title) out.push(`## ${options.title}`, '');
  if (options.preamble?.length) out.push(...options.preamble.map((l) => `${l}  `), '');

  out.push('### Medians', '', 'Median of the timed repetitions; ±: half the min–max spread, relative to the median.', '');
  out.push(...table(['benchmark', 'unit', ...cols], rows.map((r) => [r.label, r.unit, ...cols.map((s) => cellText(r.cells[s], notes, s))])));

  const compared = rows.filter((r) => r.better !== 'none' && PEERS.some((p) => speedRatio(r, p) !== null));
  const peerCols = cols.filter((s): s is PeerName => (PEERS as readonly string[]).includes(s));
  if (compared.length > 0 && peerCols.length > 0) {
    out.push('', '### Ratios: peer time ÷ our time (> 1: ours faster)', '');
    out.push(...table(['benchmark', ...peerCols.map((p) => `${p} / ours`)], compared.map((r) => [
      r.label,
      ...peerCols.map((p) => {
        const ratio = speedRatio(r, p);
        return ratio === null ? '—' : ratioText(ratio, p);
      }),
    ])));
  }

  const missingNotes = notes.lines();
  const cellNotes = collectNotes(rows, cols);
  if (missingNotes.length > 0) out.push('', '### Why a cell is empty', '', ...missingNotes.map((l) => `${l}  `));
  if (cellNotes.length > 0) out.push('', '### Notes', '', ...cellNotes);
  return `${out.join('\n')}\n`;
}
