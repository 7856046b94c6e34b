// PyTorch (CPU) peer: python/torch_peer.py in a child process, one request per benchmark, JSON both ways.
// Absent PyTorch is not an error: the cells say "skipped" with the reason.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SkipError } from '../types';
import type { Stats, TimingOptions } from '../timing';

export const TORCH_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../python/torch_peer.py');

export interface TorchInfo {
  torch: string;
  numpy: string;
  python: string;
  threads: number;
  blas: string;
  openblasThreads: string | null;
}

export interface TorchFound {
  available: true;
  python: string;
  version: string;
}
export interface TorchMissing {
  available: false;
  reason: string;
}
export type TorchAvailability = TorchFound | TorchMissing;

let found: TorchAvailability | null = null;

/**
 * The first Python that can `import torch`: $LNLAB_BENCH_PYTHON, then python3 on PATH, then Debian's
 * /usr/bin/python3 (python3-torch installs there; a pyenv or venv python3 on PATH would not see it).
 */
export function findTorch(): TorchAvailability {
  if (found) return found;
  const env = process.env.LNLAB_BENCH_PYTHON;
  const candidates = [...(env ? [env] : []), 'python3', '/usr/bin/python3', 'python'];
  const tried: string[] = [];
  for (const py of [...new Set(candidates)]) {
    if (py.startsWith('/') && !existsSync(py)) continue;
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 120_000 });
    if (r.status === 0) {
      found = { available: true, python: py, version: r.stdout.trim() };
      return found;
    }
    tried.push(`${py}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)}`);
  }
  found = {
    available: false,
    reason: `PyTorch not importable (${tried.join('; ') || 'no python found'}); install: apt-get install -y python3-torch libopenblas0-pthread`,
  };
  return found;
}

export interface TorchRequest {
  task: 'info' | 'matmul' | 'layernorm' | 'numpy_layernorm' | 'attention' | 'train';
  params?: unknown;
  timing?: TimingOptions;
  /** Intra-op threads, and OpenBLAS/OpenMP threads through the environment. Default 1. */
  threads?: number;
}

export interface TorchReply<T> {
  result: T;
  info: TorchInfo;
  maxRssKiB: number;
}

/** Runs one request in a fresh Python process (awaited: nothing else runs meanwhile). */
export async function runTorch<T>(req: TorchRequest, timeoutMs = 30 * 60_000): Promise<TorchReply<T>> {
  const t = findTorch();
  if (!t.available) throw new SkipError(t.reason);
  const threads = String(req.threads ?? 1);
  const env = { ...process.env, OMP_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: threads, MKL_NUM_THREADS: threads };
  return new Promise((resolvePromise, reject) => {
    const child = spawn(t.python, [TORCH_SCRIPT], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pytorch peer: ${req.task} timed out after ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      let reply: { ok: boolean; error?: string; result?: T; info?: TorchInfo; maxRssKiB?: number };
      try {
        reply = JSON.parse(last) as typeof reply;
      } catch {
        reject(new Error(`pytorch peer: ${req.task} exited ${code} without a JSON reply: ${(err.trim().split('\n').pop() ?? '').slice(0, 200)}`));
        return;
      }
      if (!reply.ok || reply.result === undefined || !reply.info) reject(new Error(`pytorch peer: ${reply.error ?? 'no result'}`));
      else resolvePromise({ result: reply.result, info: reply.info, maxRssKiB: reply.maxRssKiB ?? 0 });
    });
    child.stdin.end(JSON.stringify({ ...req, threads: Number(threads) }));
  });
}

/** Stats as the Python script returns them (same fields as ours, plus task-specific extras). */
export type TorchStats = Stats & Record<string, unknown>;
