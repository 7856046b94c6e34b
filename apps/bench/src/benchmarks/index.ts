// The registry: every benchmark, in the order the tables list them.
import type { Benchmark } from '../types';
import { attentionBenchmark } from './attention';
import { layerNormBenchmark } from './layernorm';
import { matmulBenchmark } from './matmul';
import { memoryBenchmark } from './memory';
import { studyBenchmark } from './study';
import { trainStepBenchmark } from './train-step';

export const BENCHMARKS: readonly Benchmark[] = [matmulBenchmark, layerNormBenchmark, attentionBenchmark, trainStepBenchmark, memoryBenchmark, studyBenchmark];

/**
 * Execution order: the memory check first, so its peak RSS is ours alone (the peers are imported lazily, by the
 * benchmarks that use them, and stay loaded afterwards).
 */
export function executionOrder(selected: readonly Benchmark[]): Benchmark[] {
  return [...selected].sort((a, b) => Number(b.name === 'memory') - Number(a.name === 'memory'));
}
