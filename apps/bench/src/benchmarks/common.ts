// Helpers the benchmark modules share: running a peer without letting it sink the suite, seeded data.
import { SkipError, errorMessage, missing } from '../types';
import type { BenchContext, Cell, PeerName } from '../types';

/**
 * Runs one peer's measurements for a set of rows: "skipped" if the peer was not selected or is absent, "failed"
 * (with a one-line reason) if it throws. A peer's failure never stops the other systems.
 */
export async function peerCells(
  ctx: BenchContext,
  peer: PeerName,
  what: string,
  ids: readonly string[],
  fn: () => Promise<Map<string, Cell>>,
): Promise<Map<string, Cell>> {
  const all = (c: Cell): Map<string, Cell> => new Map(ids.map((id) => [id, c]));
  if (!ctx.peers.includes(peer)) return all(missing('skipped', 'not selected (--peers)'));
  try {
    ctx.log(`  ${peer}: ${what}`);
    const got = await fn();
    return new Map(ids.map((id) => [id, got.get(id) ?? missing('failed', 'no result for this case')]));
  } catch (e) {
    const reason = errorMessage(e);
    ctx.log(`  ${peer}: ${what} ${e instanceof SkipError ? 'skipped' : 'FAILED'}: ${reason}`);
    return all(missing(e instanceof SkipError ? 'skipped' : 'failed', reason));
  }
}

/** peerCells for a single row. */
export async function peerCell(ctx: BenchContext, peer: PeerName, what: string, fn: () => Promise<Cell>): Promise<Cell> {
  const m = await peerCells(ctx, peer, what, ['_'], async () => new Map([['_', await fn()]]));
  return m.get('_')!;
}

/** Our own measurement: a throw is reported as a failed cell too (the suite goes on, the table says why). */
export async function oursCell(ctx: BenchContext, what: string, fn: () => Promise<Cell>): Promise<Cell> {
  try {
    ctx.log(`  ours: ${what}`);
    return await fn();
  } catch (e) {
    const reason = errorMessage(e);
    ctx.log(`  ours: ${what} FAILED: ${reason}`);
    return missing('failed', reason);
  }
}

/** A small seeded generator (LCG) so every system gets the same inputs where the inputs matter. */
export class Lcg {
  private state: number;
  constructor(seed = 12345) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (Math.imul(this.state, 1664525) + 1013904223) >>> 0;
    return this.state / 2 ** 32;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** Uniform values in [-0.5, 0.5): well away from denormals, so no system hits a slow path by accident. */
export function uniformArray(n: number, seed: number): Float32Array {
  const g = new Lcg(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = g.next() - 0.5;
  return a;
}

/** A row-major flat array as nested arrays (js-pytorch's input format). */
export function nest(flat: ArrayLike<number>, shape: readonly number[]): unknown[] {
  const [n, ...rest] = shape;
  if (n === undefined) throw new Error('nest: empty shape');
  const stride = rest.reduce((a, b) => a * b, 1);
  const out: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = rest.length === 0 ? flat[i]! : nest(Array.prototype.slice.call(flat, i * stride, (i + 1) * stride) as number[], rest);
  }
  return out;
}

/** "9.7k" style for large counts. */
export function compact(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k`;
  return n.toFixed(n >= 100 ? 0 : 1);
}
