// The shapes every benchmark module shares: systems, cells, rows, the context a benchmark runs in.
import type { Stats, TimingOptions } from './timing';

/** The peers, in the order of the table's columns. */
export const PEERS = ['tfjs-cpu', 'tfjs-wasm', 'js-pytorch', 'jax-js', 'pytorch', 'numpy'] as const;
export type PeerName = (typeof PEERS)[number];
export type SystemName = 'ours' | PeerName;
export const SYSTEMS: readonly SystemName[] = ['ours', ...PEERS];

/** One system's figure for one row. `value` is in the row's unit; `stats` (ms per call) when it was timed. */
export interface OkCell {
  status: 'ok';
  value: number;
  stats?: Stats;
  /** Replaces the formatted value in the tables (e.g. "105 ms · 9.7k tok/s"). */
  display?: string;
  note?: string;
}

/** skipped: deliberately not run (peer absent, or too slow for --quick); n/a: the system cannot do it; failed: it threw. */
export interface MissingCell {
  status: 'skipped' | 'n/a' | 'failed';
  reason: string;
}

export type Cell = OkCell | MissingCell;

export interface ResultRow {
  /** Stable id, e.g. "matmul/256/A·Bᵀ/1t". */
  id: string;
  /** The benchmark module's name (what --only selects). */
  benchmark: string;
  label: string;
  unit: string;
  /** Which direction is faster: 'lower' for ms, 'higher' for GFLOP/s. 'none' for rows that are not compared. */
  better: 'lower' | 'higher' | 'none';
  cells: Partial<Record<SystemName, Cell>>;
  notes?: string[];
}

export interface BenchContext {
  quick: boolean;
  /** The peers to run (the rest get a "skipped" cell). */
  peers: readonly PeerName[];
  timing: TimingOptions;
  log(message: string): void;
}

export interface Benchmark {
  /** The name --only selects. */
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<ResultRow[]>;
}

export function ok(value: number, extra: Omit<OkCell, 'status' | 'value'> = {}): OkCell {
  return { status: 'ok', value, ...extra };
}

export function missing(status: MissingCell['status'], reason: string): MissingCell {
  return { status, reason };
}

/** A short, single-line message from anything thrown (peers' wasm glue can throw very long strings). */
export function errorMessage(e: unknown, max = 240): string {
  const raw = e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
  const line = raw.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Thrown by a peer that is not installed here: its cells say "skipped" with the message, not "failed". */
export class SkipError extends Error {}
