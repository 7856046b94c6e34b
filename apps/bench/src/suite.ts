// Runs the selected benchmarks in this one process, collects the rows, writes JSON + Markdown results.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, platform, arch } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCHMARKS, executionOrder } from './benchmarks/index';
import { peakRssMB } from './benchmarks/memory';
import { findTorch } from './peers/pytorch';
import { renderMarkdown } from './report';
import { defaultTiming, quickTiming } from './timing';
import { errorMessage, missing } from './types';
import { gemmBackend, wasmGemmFeature } from '@lnlab/core';
import type { BenchContext, PeerName, ResultRow } from './types';

export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUT = join(PACKAGE_DIR, 'results');

export interface SuiteOptions {
  only: readonly string[] | null;
  quick: boolean;
  peers: readonly PeerName[];
  log?: (message: string) => void;
}

export interface SuiteMeta {
  date: string;
  node: string;
  platform: string;
  cpu: string;
  cores: number;
  loadAverage: number[];
  quick: boolean;
  benchmarks: string[];
  peers: PeerName[];
  versions: Record<string, string>;
  pytorch: string;
  peakRssMB: number;
  durationSec: number;
  /** Our GEMM kernel: the WebAssembly build in use (relaxed-simd / simd) or `js` (the TypeScript kernel). */
  oursGemm: string;
}

export interface SuiteResult {
  meta: SuiteMeta;
  rows: ResultRow[];
}

function peerVersions(): Record<string, string> {
  try {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
    return { ...pkg.devDependencies };
  } catch {
    return {};
  }
}

export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const selected = BENCHMARKS.filter((b) => !options.only || options.only.includes(b.name));
  const ctx: BenchContext = { quick: options.quick, peers: options.peers, timing: options.quick ? quickTiming : defaultTiming, log };
  const t0 = performance.now();
  const load0 = loadavg();
  const byName = new Map<string, ResultRow[]>();
  for (const b of executionOrder(selected)) {
    log(`# ${b.name}: ${b.title}`);
    try {
      byName.set(b.name, await b.run(ctx));
    } catch (e) {
      // A benchmark's own bug (not a peer's failure, which lands in a cell): report it as a row and go on.
      const reason = errorMessage(e);
      log(`# ${b.name} FAILED: ${reason}`);
      byName.set(b.name, [{ id: `${b.name}/error`, benchmark: b.name, label: `${b.name}: ${b.title}`, unit: '', better: 'none', cells: { ours: missing('failed', reason) } }]);
    }
  }
  const rows = selected.flatMap((b) => byName.get(b.name) ?? []);
  const torch = options.peers.includes('pytorch') ? findTorch() : null;
  const meta: SuiteMeta = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${platform()} ${arch()}`,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    loadAverage: load0.map((x) => Math.round(x * 100) / 100),
    quick: options.quick,
    benchmarks: selected.map((b) => b.name),
    peers: [...options.peers],
    versions: peerVersions(),
    pytorch: torch === null ? 'not selected' : torch.available ? `torch ${torch.version} via ${torch.python}` : `absent: ${torch.reason}`,
    peakRssMB: Math.round(peakRssMB()),
    durationSec: Math.round((performance.now() - t0) / 100) / 10,
    oursGemm: gemmBackend() === 'wasm' ? (wasmGemmFeature() ?? 'js') : 'js',
  };
  return { meta, rows };
}

export function renderSuite(result: SuiteResult): string {
  const m = result.meta;
  const v = m.versions;
  const peers = m.peers.length > 0 ? m.peers.join(', ') : 'none (ours only)';
  return renderMarkdown(result.rows, {
    title: `LN Lab benchmarks${m.quick ? ' (--quick: tiny sizes, not comparable with a full run)' : ''}`,
    preamble: [
      `${m.date} · node ${m.node} · ${m.platform} · ${m.cpu} × ${m.cores} · load average at start ${m.loadAverage.join(' / ')} · ${m.durationSec} s`,
      `peers: ${peers} · tfjs ${v['@tensorflow/tfjs-core'] ?? '?'} · js-pytorch ${v['js-pytorch'] ?? '?'} · @jax-js/jax ${v['@jax-js/jax'] ?? '?'} · PyTorch: ${m.pytorch}`,
      `ours: GEMM kernel ${m.oursGemm === 'js' ? 'TypeScript' : `WebAssembly ${m.oursGemm}`}`,
      `peak RSS of this whole run (every JS peer in this one process): ${m.peakRssMB} MB`,
      'One process, one run: compare systems within this table only (the machine is shared and noisy).',
    ],
  });
}

/** Writes bench-<time>.json/.md and latest.json/.md into `dir`; returns the paths written. */
export async function writeResults(result: SuiteResult, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const stamp = result.meta.date.replace(/[:.]/g, '-').replace(/Z$/, '');
  const base = `bench-${stamp}${result.meta.quick ? '-quick' : ''}`;
  const json = `${JSON.stringify(result, null, 2)}\n`;
  const md = renderSuite(result);
  const files: [string, string][] = [[`${base}.json`, json], [`${base}.md`, md], ['latest.json', json], ['latest.md', md]];
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}
