// Test helper for checkpoint.test.ts: trains with a checkpoint after every step until it is killed.
// Usage: node checkpoint-child.mjs <runDir>
import { register } from 'tsx/esm/api';

register();
const { parseRunConfig } = await import('./config.ts');
const { runTraining } = await import('./train.ts');
const config = parseRunConfig({ dModel: 64, nHead: 4, dimFeedforward: 256, layers: 2, batchSize: 2, steps: 100000, evalInterval: 100000, logInterval: 100000, checkpointEvery: 1 });
runTraining(config, { dir: process.argv[2] });
