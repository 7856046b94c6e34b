// Command-line flags: --only <names>, --quick, --out <dir>, --peers <names|none>, --backend, --help.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PEERS } from './types';
import type { PeerName } from './types';

export interface CliOptions {
  /** Benchmark names to run (null: all). */
  only: string[] | null;
  quick: boolean;
  /** Absolute output directory. */
  out: string;
  peers: PeerName[];
  /** Our kernels: WebAssembly SIMD where available (auto) or the plain TypeScript ones (js, the "before"). */
  backend: 'auto' | 'js';
  help: boolean;
}

export const USAGE = `Usage: pnpm --filter @lnlab/bench bench [options]

  --quick            tiny sizes and few repetitions: a smoke run of a few seconds per benchmark
  --only <names>     comma-separated benchmarks: matmul, layernorm, attention, train, memory, study
  --peers <names>    comma-separated peers (default all): ${PEERS.join(', ')}; "none" for ours only
  --out <dir>        where the JSON and Markdown results go (default apps/bench/results)
  --backend <b>      our kernels: auto (WebAssembly SIMD where available, default) or js (plain TypeScript)
  --help             this text
`;

function list(value: string | undefined): string[] | null {
  if (value === undefined) return null;
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Parses argv (without node and the script). `names` are the valid benchmark names; `defaultOut` absolute. */
export function parseCli(argv: readonly string[], names: readonly string[], defaultOut: string): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      peers: { type: 'string' },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const only = list(values.only);
  if (only) {
    const unknown = only.filter((n) => !names.includes(n));
    if (unknown.length > 0) throw new Error(`--only: unknown benchmark ${unknown.join(', ')} (choose from ${names.join(', ')})`);
    if (only.length === 0) throw new Error('--only: give at least one benchmark name');
  }
  const peerList = list(values.peers);
  let peers: PeerName[] = [...PEERS];
  if (peerList) {
    if (peerList.length === 1 && peerList[0] === 'none') peers = [];
    else {
      const unknown = peerList.filter((p) => !(PEERS as readonly string[]).includes(p));
      if (unknown.length > 0) throw new Error(`--peers: unknown peer ${unknown.join(', ')} (choose from ${PEERS.join(', ')}, or none)`);
      peers = PEERS.filter((p) => peerList.includes(p));
    }
  }
  const backend = values.backend ?? 'auto';
  if (backend !== 'auto' && backend !== 'js') throw new Error(`--backend: use auto or js, got ${backend}`);
  return { only, quick: values.quick ?? false, out: values.out ? resolve(values.out) : defaultOut, peers, backend, help: values.help ?? false };
}
